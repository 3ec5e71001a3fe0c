namespace Experiments.Ingestion.Traffic;

/// <summary>The traffic report's figures (see <see cref="TrafficAnalyzer"/> for their definitions).</summary>
internal sealed record TrafficAnalysis(
    DateTimeOffset? Start,
    DateTimeOffset? End,
    long CallCount,
    TimeSpan BucketWidth,
    IReadOnlyList<EndpointStats> Endpoints,
    IReadOnlyList<ClientTraffic> Clients);

internal sealed record EndpointStats(
    string ApiName, long CallCount, double Share, long ErrorCount, double P50Ms, double P99Ms, double SlowThresholdMs, long SlowCount);

internal sealed record ClientTraffic(
    string ClientId,
    long CallCount,
    long UnitCount,
    double CallShare,
    double ErrorShare,
    double SlowestShare,
    IReadOnlyList<EndpointStats> Endpoints,
    IReadOnlyList<RateBucket> Rate,
    IReadOnlyList<CallTransitionStats> Transitions,
    IReadOnlyList<RequestShape> Shapes,
    IReadOnlyList<Departure> Departures);

internal sealed record RateBucket(DateTimeOffset Start, long CallCount);

/// <summary>The most common call after <paramref name="From"/>; an empty <paramref name="To"/> means the unit's sequence ended.</summary>
internal sealed record CallTransitionStats(string From, string To, long Count, double Share);

internal sealed record RequestShape(
    string ApiName,
    IReadOnlyList<Presence> RequestFields,
    IReadOnlyList<Presence> Headers,
    double RequestBytesP50,
    double RequestBytesMax,
    double ResponseBytesP50,
    double ResponseBytesMax);

internal sealed record Presence(string Name, double Share);

internal sealed record Departure(DepartureKind Kind, string ApiName, long Count, string Detail);

internal enum DepartureKind
{
    RateExceeded,
    OutOfOrder,
    Deprecated,
    Undeclared,
}
