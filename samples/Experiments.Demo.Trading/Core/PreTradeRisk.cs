using Experiments.Demo.Trading.Scenarios;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// The pre-trade risk check that orders above <see cref="LargeOrderShares"/> shares go through before either router
/// sends them (credit and position limits against the whole book): ~650 ms, whatever the variant. The web and mobile
/// apps never place such orders; the algo-bot's large ones are why its calls are over-represented among the slowest.
/// </summary>
public static class PreTradeRisk
{
    public const int LargeOrderShares = 1_000;

    /// <summary>The check's own time: a log-normal around 650 ms (5th percentile ≈ 470 ms).</summary>
    public static readonly LatencyProfile Check = new(MedianMs: 650, Sigma: 0.2);

    /// <summary>Runs the check when <paramref name="order"/> is large; returns at once otherwise.</summary>
    public static Task RunAsync(OrderTicket order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.Quantity > LargeOrderShares ? Task.Delay(Check.Sample(Random.Shared), cancellationToken) : Task.CompletedTask;
    }
}
