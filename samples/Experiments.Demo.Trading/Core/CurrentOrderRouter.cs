using Experiments.Demo.Trading.Broker;
using Experiments.Demo.Trading.Scenarios;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading.Core;

/// <summary>The router in production today (variant <c>control</c>): its pre-trade work, then the broker through the current gateway.</summary>
[VariantServiceAlias("control")]
public sealed class CurrentOrderRouter(ScenarioProfiles profiles) : IOrderRouter
{
    public async Task<BrokerFill> RouteAsync(OrderTicket order, BrokerClient broker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(broker);
        await Task.Delay(profiles.Current.Router.Sample(Random.Shared), cancellationToken);
        return await broker.PlaceAsync(new BrokerOrder(order.Symbol, order.Side, order.Quantity, order.LimitPrice, "current"), cancellationToken);
    }
}
