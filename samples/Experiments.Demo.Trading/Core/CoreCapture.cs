using Experiments.Sdk;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// What the core records of its inbound traffic, and the replays it honours. Every call is recorded (sample rate 1 by
/// default): the traffic report follows each user's calls in order (GetPortfolio before PlaceOrder), which a per-call
/// sample would break. The SDK always redacts <c>authorization</c> (the clients' bearer tokens) and cookies; the core
/// adds PlaceOrderRequest's <c>account_token</c>.
/// </summary>
internal static class CoreCapture
{
    /// <summary>The protobuf field redacted in every captured message, beside the headers the SDK always redacts.</summary>
    public const string SecretField = "account_token";

    public static void Configure(ExperimentsOptions experiments, TradingCoreOptions options)
    {
        if (options.CaptureSampleRate > 0)
        {
            experiments.Capture.Enabled = true;
            experiments.Capture.SampleRate = options.CaptureSampleRate;
            experiments.Capture.RedactFields.Add(SecretField);
            // A demo run records ~1,000 calls a second for a while: room for a few seconds of them should ingestion lag.
            experiments.Capture.StorageBudgetBytes = 64L * 1024 * 1024;
        }
        if (!string.IsNullOrEmpty(options.ReplayKey))
        {
            experiments.Replay.Enabled = true;
            experiments.Replay.Key = options.ReplayKey;
        }
    }
}
