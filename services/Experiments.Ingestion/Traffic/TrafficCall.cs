namespace Experiments.Ingestion.Traffic;

/// <summary>
/// One recorded call as the traffic report sees it. <paramref name="Failed"/>: gRPC status other than OK, or HTTP 5xx.
/// <paramref name="RequestFields"/>: JSON paths present in the request messages' text; <paramref name="HeaderNames"/>:
/// request header names; byte counts are the messages' sizes as sent.
/// </summary>
internal sealed record TrafficCall(
    string ClientId,
    string UnitId,
    string ApiName,
    DateTimeOffset Start,
    double DurationMs,
    bool Failed,
    IReadOnlyCollection<string> RequestFields,
    IReadOnlyCollection<string> HeaderNames,
    long RequestBytes,
    long ResponseBytes);
