using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>
/// Bad input to ExperimentAdmin is INVALID_ARGUMENT naming the field (never UNKNOWN from inside a mapper), and a
/// ramp or an update that changes nothing creates no revision.
/// </summary>
public sealed class RequestValidationTests : IAsyncLifetime
{
    // google/protobuf/duration.proto: seconds within ±315,576,000,000; nanos of the sign of seconds, |nanos| < 1e9.
    private const long DurationMaxSeconds = 315_576_000_000;

    private AssignmentHost _host = null!;

    public async Task InitializeAsync() => _host = await AssignmentHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<long, int> BadDurations => new()
    {
        { 1_000_000_000_000, 0 },
        { DurationMaxSeconds + 1, 0 },
        { 10, -5 },
        { -10, 5 },
        { 0, 1_000_000_000 },
        { 11 * 365 * 86_400L, 0 },
        { -86_400, 0 },
    };

    [Theory]
    [MemberData(nameof(BadDurations))]
    public async Task CreateExperiment_refuses_a_max_duration_that_is_not_a_usable_Duration(long seconds, int nanos)
    {
        var experiment = SampleExperiments.Valid("flag-horizon");
        experiment.Horizon = new Horizon { MaxDuration = new Duration { Seconds = seconds, Nanos = nanos } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["experiment.horizon.max_duration"], Fields(error));
        await AssertNothingStoredAsync();
    }

    [Theory]
    [MemberData(nameof(BadDurations))]
    public async Task UpdateExperiment_refuses_a_max_duration_that_is_not_a_usable_Duration(long seconds, int nanos)
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("flag-update-horizon") });
        var change = created.Clone();
        change.Horizon = new Horizon { MaxDuration = new Duration { Seconds = seconds, Nanos = nanos } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.UpdateExperimentAsync(new UpdateExperimentRequest
        {
            Experiment = change, ExpectedRevision = created.Revision, UpdateMask = new FieldMask { Paths = { "horizon" } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["experiment.horizon.max_duration"], Fields(error));
        Assert.Equal(created.Revision, (await _host.Admin.GetExperimentAsync(new GetExperimentRequest { Id = created.Id })).Revision);
    }

    [Fact]
    public async Task A_ten_year_horizon_is_accepted()
    {
        var experiment = SampleExperiments.Valid("flag-ten-years");
        experiment.Horizon = new Horizon { MaxDuration = new Duration { Seconds = 3650 * 86_400L } };

        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment });

        Assert.Equal(3650 * 86_400L, created.Horizon.MaxDuration.Seconds);
    }

    [Theory]
    [InlineData(1_000_000_000)]
    [InlineData(366)]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_retention_day_outside_1_to_365_is_refused(int day)
    {
        var experiment = SampleExperiments.Valid("flag-retention");
        experiment.Kpis.Add(new Kpi { Key = "retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = day, Direction = DesiredDirection.Increase });

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["experiment.kpis[2].retention_day"], Fields(error));
    }

    [Theory]
    [InlineData(150)]
    [InlineData(100)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public async Task A_layer_segment_start_outside_0_to_100_is_refused(double start)
    {
        var experiment = SampleExperiments.InLayer("flag-segment", "matching", 30);
        experiment.Layer.SegmentStartPercent = start;

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["experiment.layer.segment_start_percent"], Fields(error));
    }

    [Fact]
    public async Task A_ramp_naming_a_variant_twice_is_refused_and_creates_no_revision()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("flag-dup-ramp") });

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.RampExperimentAsync(new RampExperimentRequest
        {
            Id = created.Id, ExpectedRevision = created.Revision,
            Weights = { new VariantWeight { VariantKey = "control", Weight = 50 }, new VariantWeight { VariantKey = "control", Weight = 50 } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["weights[1].variant_key"], Fields(error));
        Assert.Equal(created.Revision, (await _host.Admin.GetExperimentAsync(new GetExperimentRequest { Id = created.Id })).Revision);
    }

    [Fact]
    public async Task A_ramp_that_changes_nothing_returns_the_experiment_as_it_stands()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("flag-noop-ramp", rollout: 20) });
        var before = await AuditCountAsync(created.Id);

        var same = await _host.Admin.RampExperimentAsync(new RampExperimentRequest
        {
            Id = created.Id, ExpectedRevision = created.Revision, RolloutPercent = 20,
            Weights = { new VariantWeight { VariantKey = "control", Weight = 50 }, new VariantWeight { VariantKey = "fast-engine", Weight = 50 } },
        });
        var empty = await _host.Admin.RampExperimentAsync(new RampExperimentRequest { Id = created.Id, ExpectedRevision = created.Revision });

        Assert.Equal(created, same);
        Assert.Equal(created, empty);
        Assert.Equal(before, await AuditCountAsync(created.Id));
        // A real change still ramps, from the same revision.
        var ramped = await _host.Admin.RampExperimentAsync(new RampExperimentRequest { Id = created.Id, ExpectedRevision = created.Revision, RolloutPercent = 50 });
        Assert.Equal(created.Revision + 1, ramped.Revision);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_returns_the_experiment_as_it_stands()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("flag-noop-update") });
        var before = await AuditCountAsync(created.Id);

        var same = await _host.Admin.UpdateExperimentAsync(new UpdateExperimentRequest
        {
            Experiment = created, ExpectedRevision = created.Revision, UpdateMask = new FieldMask { Paths = { "description", "kpis" } },
        });

        Assert.Equal(created, same);
        Assert.Equal(before, await AuditCountAsync(created.Id));
    }

    private static IReadOnlyList<string> Fields(RpcException error) =>
        [.. error.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []];

    private async Task<int> AuditCountAsync(string id) =>
        (await _host.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = id })).AuditEntries.Count;

    private async Task AssertNothingStoredAsync() =>
        Assert.Empty((await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest())).Experiments);
}
