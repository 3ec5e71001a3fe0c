namespace Experiments.Sdk;

/// <summary>Exponential back-off with "equal jitter": half the delay fixed, half random, so reconnecting SDKs spread out.</summary>
internal static class Backoff
{
    public static TimeSpan Jittered(TimeSpan delay) =>
        TimeSpan.FromTicks(delay.Ticks / 2 + (long)(Random.Shared.NextDouble() * (delay.Ticks / 2)));

    public static TimeSpan Next(TimeSpan delay, TimeSpan max) =>
        delay >= max / 2 ? max : delay * 2;
}
