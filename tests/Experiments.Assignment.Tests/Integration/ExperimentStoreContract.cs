using Experiments.Assignment.Definitions;
using Experiments.Assignment.Storage;
using Dapr.Client;
using Experiments.Assignment.Tests.Support;
using Experiments.ServiceDefaults.Dapr;
using Experiments.Testing.Dapr;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>
/// What every <see cref="IExperimentStore"/> must do, run against each implementation: SQLite, the Dapr store
/// against the sidecar double, and the Dapr store against a real daprd when one is installed.
/// </summary>
public abstract class ExperimentStoreContract : IAsyncLifetime
{
    /// <summary>A store over the same backing state as every other store this test creates (a "restart").</summary>
    protected abstract IExperimentStore NewStore();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [StoreFact]
    public async Task Commits_survive_a_new_store_over_the_same_backing()
    {
        var store = NewStore();
        Assert.Equal(0, (await store.LoadAsync(default)).Version);
        var v1 = Revision(1, "first");
        Assert.Equal(1, await store.CommitAsync(v1, Audit(v1), 0, default));
        var v2 = Revision(2, "second");
        Assert.Equal(2, await store.CommitAsync(v2, Audit(v2), 1, default));

        var reopened = NewStore();
        var snapshot = await reopened.LoadAsync(default);
        Assert.Equal(2, snapshot.Version);
        var loaded = Assert.Single(snapshot.Experiments);
        Assert.Equal(v2, loaded with { Variants = v2.Variants, Kpis = v2.Kpis, Targeting = v2.Targeting });
        Assert.Equal(v2.Variants, loaded.Variants);
        Assert.Equal(v2.Kpis, loaded.Kpis);
        Assert.Equal("first", (await reopened.GetRevisionAsync("exp", 1, default))!.Description);
        Assert.Null(await reopened.GetRevisionAsync("exp", 3, default));
    }

    [StoreFact]
    public async Task A_commit_from_a_stale_view_is_refused_and_changes_nothing()
    {
        var writer = NewStore();
        var other = NewStore();
        await writer.LoadAsync(default);
        await other.LoadAsync(default);
        var v1 = Revision(1, "writer");
        await writer.CommitAsync(v1, Audit(v1), 0, default);

        var competing = Revision(1, "other");
        await Assert.ThrowsAsync<StaleRevisionException>(() => other.CommitAsync(competing, Audit(competing), 0, default));
        var skipped = Revision(3, "skips revision 2");
        await Assert.ThrowsAsync<StaleRevisionException>(() => writer.CommitAsync(skipped, Audit(skipped), 1, default));

        var snapshot = await NewStore().LoadAsync(default);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal("writer", Assert.Single(snapshot.Experiments).Description);
    }

    [StoreFact]
    public async Task Audit_records_are_listed_newest_first_in_pages()
    {
        var store = NewStore();
        await store.LoadAsync(default);
        for (var revision = 1; revision <= 5; revision++)
        {
            var definition = Revision(revision, "r" + revision);
            await store.CommitAsync(definition, Audit(definition), revision - 1, default);
        }
        var other = Revision(1, "other") with { Id = "other" };
        await store.CommitAsync(other, Audit(other), 5, default);

        var first = await store.ListAuditAsync("exp", 0, 3, default);
        Assert.Equal([5L, 4L, 3L], first.Records.Select(r => r.Revision));
        var second = await store.ListAuditAsync("exp", first.NextBeforeVersion, 3, default);
        Assert.Equal([2L, 1L], second.Records.Select(r => r.Revision));
        Assert.Equal(0, second.NextBeforeVersion);
        var all = await store.ListAuditAsync(null, 0, 10, default);
        Assert.Equal(["other", "exp", "exp", "exp", "exp", "exp"], all.Records.Select(r => r.ExperimentId));
        Assert.Equal("changed", all.Records[1].Changes.Single().FieldPath);
    }

    private static ExperimentDefinition Revision(long revision, string description) =>
        DomainExperiments.Running("flag") with
        {
            Id = "exp",
            Revision = revision,
            Description = description,
            Layer = new LayerSlot("layer", 25, 50),
            Holdout = new HoldoutSpec("holdout", 5),
            Targeting = new TargetingRules { UserIds = ["a"], AttributeRules = [new AttributeCondition("region", ConditionOperator.In, ["eu"])] },
            Horizon = new ExperimentHorizon(TimeSpan.FromDays(14), 100_000),
            CreateTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            UpdateTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddMinutes(revision),
        };

    private static AuditRecord Audit(ExperimentDefinition definition) =>
        new(definition.Id, definition.Revision, definition.UpdateTime, "tester", AuditOperation.Update, "why", "summary", [new FieldChangeRecord("changed", "a", "b")]);
}

public sealed class SqliteExperimentStoreTests : ExperimentStoreContract
{
    private readonly string _folder = TempFolder.Create();

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempFolder.Delete(_folder);
        return Task.CompletedTask;
    }

    protected override IExperimentStore NewStore() => new SqliteExperimentStore(Path.Combine(_folder, "experiments.db"));

    [Fact]
    public void The_database_uses_write_ahead_logging()
    {
        var store = (SqliteExperimentStore)NewStore();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + store.Path);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar() as string);
    }
}

public sealed class DaprStateExperimentStoreTests : ExperimentStoreContract
{
    private DaprSidecarDouble _sidecar = null!;

    public override async Task InitializeAsync() => _sidecar = await DaprSidecarDouble.StartAsync();

    public override async Task DisposeAsync() => await _sidecar.DisposeAsync();

    protected override IExperimentStore NewStore() => DaprStores.Create(_sidecar.HttpPort, _sidecar.GrpcPort, "statestore");

    [Fact]
    public async Task An_unknown_state_store_is_reported_not_hidden()
    {
        var store = DaprStores.Create(_sidecar.HttpPort, _sidecar.GrpcPort, "no-such-store");
        var error = await Assert.ThrowsAsync<IOException>(() => store.LoadAsync(default));
        Assert.Contains("state store no-such-store is not found", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The same contract against a real daprd with an in-memory state store; skipped when daprd is not on PATH.</summary>
[RequiresDaprd]
public sealed class RealDaprdExperimentStoreTests : ExperimentStoreContract
{
    private Daprd? _daprd;

    public override async Task InitializeAsync()
    {
        if (Daprd.IsInstalled)
        {
            _daprd = await Daprd.StartAsync();
        }
    }

    public override async Task DisposeAsync()
    {
        if (_daprd is not null)
        {
            await _daprd.DisposeAsync();
        }
    }

    protected override IExperimentStore NewStore() => DaprStores.Create(_daprd!.HttpPort, _daprd.GrpcPort, "statestore");
}

/// <summary>The Dapr store over the real SDK's DaprClient, pointed at a sidecar (the double or daprd).</summary>
internal static class DaprStores
{
    public static IExperimentStore Create(int httpPort, int grpcPort, string store)
    {
        var sidecar = new DaprSidecarOptions { HttpPort = httpPort, GrpcPort = grpcPort };
        var client = new DaprClientBuilder().UseHttpEndpoint(sidecar.HttpEndpoint).UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();
        // Ready from the start: these tests start the sidecar first.
        return new DaprStateExperimentStore(client, new DaprSidecarReadiness(() => false, sidecar, "assignment"),
            new StorageOptions { DaprHttpPort = httpPort, DaprStateStore = store, DaprKeyPrefix = "experiments" });
    }
}
