using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Scenarios;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading.Core;

/// <summary>The quote path in production today (variant <c>control</c>): relays each price as it arrives.</summary>
[VariantServiceAlias("control")]
public sealed class CurrentQuoteFeed(ScenarioProfiles profiles) : IQuoteFeed
{
    public IAsyncEnumerable<Price> PricesAsync(Supplier.SupplierClient supplier, IReadOnlyList<string> symbols, int maxPrices, CancellationToken cancellationToken) =>
        SupplierRelay.RelayAsync(supplier, symbols, maxPrices, profiles.Current.QuoteHold, cancellationToken);
}
