namespace Experiments.Ingestion.Traffic;

/// <summary>How a service's API is meant to be used; no endpoints means nothing was declared (no departures are judged).</summary>
internal sealed record UsagePolicy(IReadOnlyList<EndpointRule> Endpoints)
{
    public static UsagePolicy None { get; } = new([]);
}

/// <summary>One endpoint's rule: a per-client rate limit per minute (0: none), calls that must come earlier in the unit, deprecation.</summary>
internal sealed record EndpointRule(string ApiName, double MaxCallsPerMinute, IReadOnlyList<string> MustFollow, bool Deprecated, string ReplacedBy);
