using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Tests.Shared;
using Experiments.Testing.Assignment;
using Experiments.Testing.Dapr;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// What the Dapr-mode tests share: an assignment double serving one latency experiment, a sidecar double, a data folder,
/// and statistics hosts in Dapr mode attached to a sidecar's broker.
/// </summary>
public abstract class DaprModeTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private protected TempDirectory Data { get; } = new();

    private protected AssignmentDouble Assignment { get; private set; } = null!;

    private protected DaprSidecarDouble Sidecar { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assignment = await AssignmentDouble.StartAsync(0, TestExperiments.Latency("exp-1"));
        Sidecar = await DaprSidecarDouble.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Sidecar.DisposeAsync();
        await Assignment.DisposeAsync();
        Data.Dispose();
    }

    private protected StatisticsHost Host(DaprSidecarDouble? sidecar = null, string? dataFolder = null, Dictionary<string, string>? extra = null)
    {
        var settings = (sidecar ?? Sidecar).Settings("sidecar-token");
        settings["Statistics:AssignmentAddress"] = Assignment.Address;
        settings["Dapr:AppApiToken"] = "app-token";
        settings["Dapr:CommitTimeout"] = "00:00:05";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return new StatisticsHost(dataFolder ?? Data.Path, settings);
    }

    private protected static async Task<StatisticsHost> AttachedAsync(StatisticsHost host, DaprSidecarDouble sidecar, string appId = "statistics")
    {
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(Patience);
        await sidecar.Broker.AttachAsync(appId, host.CreateClient(), "app-token");
        return host;
    }

    /// <summary>The verdict once every request and exposure of <paramref name="traffic"/> is counted.</summary>
    private protected static async Task<Verdict> SettledVerdictAsync(StatisticsHost host, Traffic traffic)
    {
        await host.Client().WaitForVerdictAsync("exp-1", v => v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum()
            && v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        await Task.Delay(200);
        return await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
    }
}
