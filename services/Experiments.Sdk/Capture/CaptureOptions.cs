namespace Experiments.Sdk.Capture;

/// <summary>
/// Recording of inbound calls (section <c>Experiments:Capture</c>): complete gRPC and HTTP exchanges, with secrets
/// redacted in the process before anything is buffered, sent to ingestion's <c>Captures.RecordCaptures</c> in the
/// background. Defaults: off; when on, one exchange in 100 (<see cref="SampleRate"/> 0.01) of every API and every
/// client; 64 KiB per exchange; 8 MiB buffered at most; the headers <c>authorization</c>, <c>cookie</c>,
/// <c>set-cookie</c> and <c>proxy-authorization</c> always redacted; no field redacted until configured.
/// </summary>
public sealed class CaptureOptions
{
    /// <summary>Record exchanges at all (default false). Needs <c>Experiments:IngestionAddress</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Share of exchanges recorded, 0 to 1, decided per exchange (default 0.01).</summary>
    public double SampleRate { get; set; } = 0.01;

    /// <summary>
    /// Sample rate per API, by its telemetry name (<c>trading.v1.TradingCore/PlaceOrder</c>, <c>GET /v1/portfolio/{account}</c>),
    /// in place of <see cref="SampleRate"/>; 0 turns an API off.
    /// </summary>
    public IDictionary<string, double> ApiSampleRates { get; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Record only calls from these client ids (the SDK's ClientId source); empty records every client, and calls without one.</summary>
    public IList<string> ClientAllowList { get; } = [];

    /// <summary>
    /// Bytes of message payloads and text recorded per exchange at most (default 64 KiB): the message that crosses it is
    /// cut and flagged, the next 100 are recorded without payload (their size and time kept) and later ones not at all, and
    /// the exchange is flagged truncated.
    /// </summary>
    public int MaxExchangeBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Bytes of exchanges held in the process at most, waiting or being sent (default 8 MiB): past it, new exchanges are
    /// dropped and counted (<c>experiments.sdk.capture.dropped</c>, reason <c>budget</c>), never waited for.
    /// </summary>
    public long StorageBudgetBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Headers (gRPC metadata keys) whose values are replaced by <c>{{redacted}}</c>, in addition to <c>authorization</c>,
    /// <c>cookie</c>, <c>set-cookie</c> and <c>proxy-authorization</c>, which always are. Case-insensitive.
    /// </summary>
    public IList<string> RedactHeaders { get; } = [];

    /// <summary>
    /// Fields redacted in every message and body, as paths from the message's root: protobuf field names (or their JSON
    /// names) for gRPC messages, e.g. <c>order.account_token</c>; JSON property names for JSON bodies, e.g.
    /// <c>$.password</c> or <c>card.number</c> (<c>$.</c> is optional; a path crosses arrays and repeated fields into each
    /// element). A one-segment path also redacts that query-string parameter and form field. String values become
    /// <c>{{redacted}}</c>; other protobuf fields are cleared; other JSON values become the string <c>{{redacted}}</c>.
    /// </summary>
    public IList<string> RedactFields { get; } = [];

    /// <summary>Exchanges per RecordCaptures call at most (default 100).</summary>
    public int MaxBatchSize { get; set; } = 100;

    /// <summary>Bytes per RecordCaptures call at most (default 2 MiB, under gRPC's usual 4 MiB message limit).</summary>
    public int MaxBatchBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Longest time an exchange waits before its batch is sent (default 1 s).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
