using Experiments.Demo.MarketData.V1;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// The quote path: relays the supplier's prices for a user's quote stream. One implementation per variant of the
/// <c>order-routing</c> flag (the same flag as <see cref="IOrderRouter"/>: the new implementation ships as one).
/// </summary>
public interface IQuoteFeed
{
    IAsyncEnumerable<Price> PricesAsync(Supplier.SupplierClient supplier, IReadOnlyList<string> symbols, int maxPrices, CancellationToken cancellationToken);
}
