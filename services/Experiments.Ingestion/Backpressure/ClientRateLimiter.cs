using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Backpressure;

/// <summary>
/// A token bucket per client, in events. A batch is let through while the client's bucket is not in debt
/// and then takes all its events (so a batch larger than the bucket still passes, once); a client in debt
/// is told how long until it is out of it.
/// </summary>
public sealed class ClientRateLimiter(IOptionsMonitor<RateLimitOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="events"/> from the client's bucket or throws <see cref="RateLimitedException"/>.</summary>
    public void Acquire(string client, int events)
    {
        var limits = options.CurrentValue;
        var rate = limits.PerKey.TryGetValue(client, out var own) ? own : limits.DefaultEventsPerSecond;
        if (rate <= 0)
        {
            return;
        }
        var bucket = _buckets.GetOrAdd(client, static (_, now) => new Bucket(now), time.GetTimestamp());
        var capacity = Math.Max(1, rate * limits.BurstSeconds);
        lock (bucket)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(bucket.Updated, now).TotalSeconds;
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + (elapsed * rate));
            bucket.Updated = now;
            if (bucket.Tokens < 0)
            {
                var wait = TimeSpan.FromSeconds(-bucket.Tokens / rate);
                throw new RateLimitedException($"API key '{client}' is over its rate of {rate} events/s.", wait);
            }
            bucket.Tokens -= events;
        }
    }

    private sealed class Bucket(long now)
    {
        // A new client starts with a full burst allowance.
        public double Tokens { get; set; } = double.PositiveInfinity;

        public long Updated { get; set; } = now;
    }
}
