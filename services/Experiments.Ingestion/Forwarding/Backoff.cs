namespace Experiments.Ingestion.Forwarding;

/// <summary>Exponential back-off with full jitter between half and all of the delay.</summary>
internal static class Backoff
{
    public static TimeSpan Next(TimeSpan current, TimeSpan max) => current * 2 < max ? current * 2 : max;

    public static TimeSpan Jitter(TimeSpan delay) => delay * (0.5 + (Random.Shared.NextDouble() * 0.5));
}
