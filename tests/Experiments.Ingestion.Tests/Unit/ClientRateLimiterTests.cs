using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Tests.Support;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class ClientRateLimiterTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ClientRateLimiter Limiter(double defaultRate, params (string Key, double Rate)[] perKey)
    {
        var options = new RateLimitOptions { DefaultEventsPerSecond = defaultRate, BurstSeconds = 1 };
        foreach (var (key, rate) in perKey)
        {
            options.PerKey[key] = rate;
        }
        return new ClientRateLimiter(new StaticOptions<RateLimitOptions>(options), _time);
    }

    [Fact]
    public void A_client_over_its_rate_is_refused_with_the_time_until_it_may_send()
    {
        var limiter = Limiter(100);
        limiter.Acquire("a", 100);
        limiter.Acquire("a", 50);

        var refused = Assert.Throws<RateLimitedException>(() => limiter.Acquire("a", 1));

        Assert.Equal(TimeSpan.FromSeconds(0.5), refused.RetryAfter);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        limiter.Acquire("a", 1);
    }

    [Fact]
    public void Clients_are_limited_separately_and_per_key_rates_override_the_default()
    {
        var limiter = Limiter(10, ("bulk", 0), ("slow", 1));
        limiter.Acquire("a", 11);
        Assert.Throws<RateLimitedException>(() => limiter.Acquire("a", 1));

        limiter.Acquire("b", 5);
        for (var i = 0; i < 1000; i++)
        {
            limiter.Acquire("bulk", 1_000_000);
        }
        limiter.Acquire("slow", 2);
        Assert.Throws<RateLimitedException>(() => limiter.Acquire("slow", 1));
    }

    [Fact]
    public void No_default_rate_means_unlimited()
    {
        var limiter = Limiter(0);
        for (var i = 0; i < 1000; i++)
        {
            limiter.Acquire("a", 1_000_000);
        }
    }
}
