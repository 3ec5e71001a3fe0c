using System.Collections.Concurrent;

namespace Experiments.Demo.Trading.MarketData;

/// <summary>The supplier's prices: a random walk per symbol, one step per price taken.</summary>
public sealed class PriceBook
{
    private readonly ConcurrentDictionary<string, double> _prices = new(StringComparer.Ordinal);

    /// <summary>The next mid price of <paramref name="symbol"/>.</summary>
    public double Next(string symbol) => Math.Round(_prices.AddOrUpdate(
        symbol,
        static s => 50 + (Math.Abs(s.GetHashCode(StringComparison.Ordinal)) % 400),
        static (_, p) => Math.Max(1, p * (1 + ((Random.Shared.NextDouble() - 0.5) * 0.002)))), 2);
}
