using System.Globalization;
using System.Security.Cryptography;
using Experiments.Demo.Trading.Scenarios;
using Experiments.Demo.Trading.Simulation;

namespace Experiments.Launcher;

/// <summary>Options of <c>demo</c>.</summary>
internal sealed class DemoSettings
{
    public Scenario Scenario { get; private init; } = Scenario.P99Regression;

    public TimeSpan Duration { get; private init; } = TimeSpan.FromSeconds(90);

    public int Users { get; private init; } = 2_000;

    public int Days { get; private init; } = 7;

    public bool AutoRollback { get; private init; } = true;

    /// <summary>Significance level of the experiment.</summary>
    public double Alpha { get; private init; } = 0.05;

    /// <summary>Stop the services after the final verdict instead of serving on.</summary>
    public bool ExitWhenDone { get; private init; }

    public string ApiKey { get; private init; } = "dev-local-key";

    /// <summary>The trading core (gRPC), first port + 9.</summary>
    public string CoreAddress { get; private init; } = "http://127.0.0.1:5110";

    /// <summary>The market-data supplier (gRPC), first port + 10.</summary>
    public string SupplierAddress { get; private init; } = "http://127.0.0.1:5111";

    /// <summary>The broker (HTTP), first port + 11.</summary>
    public string BrokerAddress { get; private init; } = "http://127.0.0.1:5112";

    /// <summary>Share of the trading core's calls its SDK records (<c>--capture-rate</c>, default 1: every call; 0: none).</summary>
    public double CaptureRate { get; private init; } = 1.0;

    /// <summary>
    /// The key the core's SDK checks replay tokens with: <c>--replay-key</c>, else the environment's <c>EXP_REPLAY_KEY</c>
    /// (which <c>exp replay</c> reads too), else one made for this run and printed.
    /// </summary>
    public string ReplayKey { get; private init; } = "";

    /// <summary>Whether <see cref="ReplayKey"/> was made for this run (so the user has to be told it).</summary>
    public bool ReplayKeyGenerated { get; private init; }

    /// <summary>Sessions a second the simulated clients keep sending in real time after the final verdict while the services serve on (<c>--live-rate</c>, default 5; 0: none).</summary>
    public double LiveRate { get; private init; } = 5;

    /// <summary>Seconds between two verdict polls.</summary>
    public TimeSpan PollInterval { get; private init; } = TimeSpan.FromSeconds(5);

    public static DemoSettings Parse(string[] args, int firstPort, string apiKey)
    {
        var scenario = Scenario.P99Regression;
        if (Option(args, "--scenario") is { } text && !ScenarioProfiles.TryParse(text, out scenario))
        {
            throw new ArgumentException($"Unknown scenario '{text}': use one of {ScenarioProfiles.Names}.");
        }
        var duration = Option(args, "--duration") is { } d ? TrafficOptions.ParseDuration(d) : TimeSpan.FromSeconds(90);
        if (duration < TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException("--duration must be at least 10s.");
        }
        var users = Option(args, "--users") is { } u ? int.Parse(u, CultureInfo.InvariantCulture) : 2_000;
        var days = Option(args, "--days") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 7;
        if (days is < 1 or > 7)
        {
            // Simulated days are stamped into the past, ending now; ingestion accepts events up to 7 days old.
            throw new ArgumentException("--days must be between 1 and 7.");
        }
        var captureRate = Option(args, "--capture-rate") is { } c ? double.Parse(c, CultureInfo.InvariantCulture) : 1.0;
        if (captureRate is < 0 or > 1)
        {
            throw new ArgumentException("--capture-rate must be between 0 and 1.");
        }
        var liveRate = Option(args, "--live-rate") is { } l ? double.Parse(l, CultureInfo.InvariantCulture) : 5;
        if (liveRate < 0)
        {
            throw new ArgumentException("--live-rate must be 0 or more sessions a second.");
        }
        var replayKey = Option(args, "--replay-key") ?? Environment.GetEnvironmentVariable("EXP_REPLAY_KEY");
        var generated = string.IsNullOrEmpty(replayKey);
        if (generated)
        {
            replayKey = "demo-replay-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        }
        var poll = Option(args, "--poll") is { } p ? TrafficOptions.ParseDuration(p) : TimeSpan.FromSeconds(Math.Clamp(duration.TotalSeconds / 12, 2, 5));
        return new DemoSettings
        {
            Scenario = scenario,
            Duration = duration,
            Users = Math.Max(10, users),
            Days = days,
            AutoRollback = !args.Contains("--no-auto-rollback"),
            Alpha = Option(args, "--alpha") is { } a ? double.Parse(a, CultureInfo.InvariantCulture) : 0.05,
            ExitWhenDone = args.Contains("--exit"),
            ApiKey = apiKey,
            CoreAddress = Address(firstPort + 9),
            SupplierAddress = Address(firstPort + 10),
            BrokerAddress = Address(firstPort + 11),
            PollInterval = poll,
            CaptureRate = captureRate,
            ReplayKey = replayKey!,
            ReplayKeyGenerated = generated,
            LiveRate = liveRate,
        };
    }

    private static string Address(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
