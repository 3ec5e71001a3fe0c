namespace Experiments.Cli.Replay;

/// <summary>What one replayed request got back.</summary>
/// <param name="LatencyMs">Client-side, from sending the request to the end of the response.</param>
/// <param name="Error">gRPC status other than OK, HTTP status 500 or above, or no response.</param>
/// <param name="FailedToSend">No response at all: the request could not be delivered or the connection broke.</param>
/// <param name="Status">The status as people read it: "OK", "UNAVAILABLE: …", "HTTP 503".</param>
/// <param name="Payloads">The response messages (gRPC) or the body (HTTP, one element).</param>
internal sealed record ReplayOutcome(double LatencyMs, bool Error, bool FailedToSend, string Status, IReadOnlyList<byte[]> Payloads);
