using System.Globalization;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>Progress after one simulated day, as the simulated clients saw it.</summary>
public sealed record DayProgress(int Day, int ActiveUsers, long Requests, long Errors, double OrdersP50Ms, double OrdersP99Ms, double QuoteAgeP99Ms)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"  day {Day}: {ActiveUsers} users active, {Requests} calls, {Errors} failed; PlaceOrder p50 {OrdersP50Ms:F1} ms p99 {OrdersP99Ms:F1} ms, quote age p99 {QuoteAgeP99Ms:F1} ms (as seen by the clients)");
}
