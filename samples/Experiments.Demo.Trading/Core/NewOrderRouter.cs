using Experiments.Demo.Trading.Broker;
using Experiments.Demo.Trading.Scenarios;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading.Core;

/// <summary>The new router being rolled out (variant <c>new-router</c>): its own pre-trade work and broker gateway, as the scenario plants them.</summary>
[VariantServiceAlias("new-router")]
public sealed class NewOrderRouter(ScenarioProfiles profiles) : IOrderRouter
{
    public async Task<BrokerFill> RouteAsync(OrderTicket order, BrokerClient broker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(broker);
        await Task.Delay(profiles.New.Router.Sample(Random.Shared), cancellationToken);
        return await broker.PlaceAsync(new BrokerOrder(order.Symbol, order.Side, order.Quantity, order.LimitPrice, "new"), cancellationToken);
    }
}
