namespace Experiments.Ingestion.Backpressure;

/// <summary>
/// Per-client event rates, bound from <c>Ingestion:RateLimits</c>; a client is an API key (by its name).
/// Defaults: no limit; a limited client may burst 2 seconds' worth of events.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Events per second for keys not listed in <see cref="PerKey"/>; 0 means unlimited.</summary>
    public double DefaultEventsPerSecond { get; set; }

    /// <summary>Events per second by API key name; 0 means unlimited for that key.</summary>
    public Dictionary<string, double> PerKey { get; } = new(StringComparer.Ordinal);

    /// <summary>How many seconds of its rate a client may send at once after being idle.</summary>
    public double BurstSeconds { get; set; } = 2;
}
