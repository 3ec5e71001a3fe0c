using System.Collections.Concurrent;

namespace Experiments.Demo.Trading;

/// <summary>A price for a symbol.</summary>
public sealed record Quote(string Symbol, decimal Price, decimal Bid, decimal Ask, DateTimeOffset Time);

/// <summary>Simulated market data: a random walk per symbol.</summary>
public sealed class MarketData
{
    public static readonly string[] Symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "ASML", "SAP", "NESN"];

    private readonly ConcurrentDictionary<string, double> _prices = new(StringComparer.Ordinal);

    public Quote Quote(string symbol)
    {
        var key = symbol.ToUpperInvariant();
        var price = _prices.AddOrUpdate(
            key,
            static s => 50 + (Math.Abs(s.GetHashCode(StringComparison.Ordinal)) % 400),
            static (_, p) => Math.Max(1, p * (1 + ((Random.Shared.NextDouble() - 0.5) * 0.002))));
        var mid = Math.Round((decimal)price, 2);
        return new Quote(key, mid, mid - 0.01m, mid + 0.01m, DateTimeOffset.UtcNow);
    }
}

/// <summary>Positions per user, updated by fills.</summary>
public sealed class Portfolios
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _byUser = new(StringComparer.Ordinal);

    public void Apply(string user, Fill fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var positions = _byUser.GetOrAdd(user, static _ => new(StringComparer.Ordinal));
        var delta = string.Equals(fill.Side, "sell", StringComparison.OrdinalIgnoreCase) ? -fill.Quantity : fill.Quantity;
        positions.AddOrUpdate(fill.Symbol, delta, (_, q) => q + delta);
    }

    public IReadOnlyDictionary<string, int> For(string user) =>
        _byUser.TryGetValue(user, out var positions) ? new Dictionary<string, int>(positions, StringComparer.Ordinal) : new Dictionary<string, int>();
}
