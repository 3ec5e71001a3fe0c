using System.Collections.Concurrent;

namespace Experiments.Demo.Trading.Core;

/// <summary>Net positions per user, updated by fills.</summary>
public sealed class Portfolios
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _byUser = new(StringComparer.Ordinal);

    public void Apply(string user, string symbol, string side, int quantity)
    {
        var positions = _byUser.GetOrAdd(user, static _ => new(StringComparer.Ordinal));
        var delta = string.Equals(side, "sell", StringComparison.Ordinal) ? -quantity : quantity;
        positions.AddOrUpdate(symbol, delta, (_, q) => q + delta);
    }

    public IReadOnlyDictionary<string, int> For(string user) =>
        _byUser.TryGetValue(user, out var positions) ? new Dictionary<string, int>(positions, StringComparer.Ordinal) : new Dictionary<string, int>();
}
