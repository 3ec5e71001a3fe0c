using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Scenarios;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading.Core;

/// <summary>The new quote path (variant <c>new-router</c>): relays each price after the hold the scenario plants (none unless stale-quotes).</summary>
[VariantServiceAlias("new-router")]
public sealed class NewQuoteFeed(ScenarioProfiles profiles) : IQuoteFeed
{
    public IAsyncEnumerable<Price> PricesAsync(Supplier.SupplierClient supplier, IReadOnlyList<string> symbols, int maxPrices, CancellationToken cancellationToken) =>
        SupplierRelay.RelayAsync(supplier, symbols, maxPrices, profiles.New.QuoteHold, cancellationToken);
}
