using Experiments.Demo.Trading.Scenarios;

namespace Experiments.Demo.Trading.Core;

/// <summary>Where the trading core listens, where its dependencies are, and which Experiments services it talks to.</summary>
public sealed class TradingCoreOptions
{
    /// <summary>The core's gRPC listener (HTTP/2 cleartext). Default <c>http://127.0.0.1:5110</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5110";

    /// <summary>The market-data supplier. Default <c>http://127.0.0.1:5111</c>.</summary>
    public string SupplierAddress { get; set; } = "http://127.0.0.1:5111";

    /// <summary>The broker. Default <c>http://127.0.0.1:5112</c>.</summary>
    public string BrokerAddress { get; set; } = "http://127.0.0.1:5112";

    public string AssignmentAddress { get; set; } = "http://127.0.0.1:5101";

    public string IngestionAddress { get; set; } = "http://127.0.0.1:5102";

    public string ApiKey { get; set; } = "dev-local-key";

    public Scenario Scenario { get; set; } = Scenario.P99Regression;

    /// <summary>Log at Information (standalone) or only warnings (inside the launcher).</summary>
    public bool Quiet { get; set; }

    /// <summary>Share of the core's inbound calls the SDK records (captures, sent to ingestion); 0 records none. Default 1: every call.</summary>
    public double CaptureSampleRate { get; set; } = 1.0;

    /// <summary>The key replay tokens are signed with (<c>exp replay --replay-key</c>); null or empty: replays are refused.</summary>
    public string? ReplayKey { get; set; }

    /// <summary>The clock that stamps exposures and requests (the simulated days of a demo run); null is the real one.</summary>
    public TimeProvider? Clock { get; set; }
}
