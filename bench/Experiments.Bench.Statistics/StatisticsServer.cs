using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Verdicts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Experiments.Bench.Statistics;

/// <summary>
/// The Statistics app in this process (its own AddStatistics/MapStatistics wiring, Kestrel h2c on a loopback port, API
/// keys on), with an experiment of <c>units</c> users applied straight into its shard — the state a replica holds after
/// the forwarder delivered them — and its verdict computed.
/// </summary>
internal sealed class StatisticsServer : IAsyncDisposable
{
    public const string Key = "bench-key";
    private readonly WebApplication _app;

    private StatisticsServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public StatisticsShard Shard => _app.Services.GetRequiredService<StatisticsShard>();

    public VerdictBook Verdicts => _app.Services.GetRequiredService<VerdictBook>();

    public static async Task<StatisticsServer> StartAsync(string dataFolder, int units)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:Folder"] = dataFolder,
            ["Auth:Enabled"] = "true",
            ["Auth:ApiKeys:0:Key"] = Key,
            ["Auth:ApiKeys:0:Name"] = "bench",
            ["Auth:ApiKeys:0:Scopes:0"] = "read",
            ["Auth:ApiKeys:0:Scopes:1"] = "ingest",
            ["Auth:ApiKeys:0:Scopes:2"] = "admin",
            // The bench measures reads: no background checkpoints or recomputations while it runs.
            ["Statistics:CheckpointInterval"] = "01:00:00",
            ["Statistics:VerdictInterval"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults();
        builder.AddStatistics();
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapStatistics();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new StatisticsServer(app, address);
        var shard = server.Shard;
        shard.MarkDefinitionsReady();
        shard.Define(Workload.Definition());
        Fill(shard, units);
        await server.Verdicts.ComputeAsync(Workload.ExperimentId);
        return server;
    }

    /// <summary>Applies the events of <paramref name="units"/> users in forwarder-sized batches.</summary>
    public static void Fill(StatisticsShard shard, int units)
    {
        var workload = new Workload(7);
        long position = 0;
        const int usersPerBatch = 2_000;
        for (var first = 0; first < units; first += usersPerBatch)
        {
            var request = new ForwardRequest { LogId = "bench", Partition = 0, PartitionCount = 1 };
            foreach (var e in workload.Users(first, Math.Min(usersPerBatch, units - first)))
            {
                request.Events.Add(new LoggedEvent { Position = ++position, Event = e });
            }
            shard.Apply(request);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
