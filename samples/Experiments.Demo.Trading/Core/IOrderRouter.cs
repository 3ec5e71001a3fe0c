using Experiments.Demo.Trading.Broker;

namespace Experiments.Demo.Trading.Core;

/// <summary>Routes an order to the broker. One implementation per variant of the <c>order-routing</c> flag.</summary>
public interface IOrderRouter
{
    /// <exception cref="BrokerRejectedException">The broker failed the order.</exception>
    Task<BrokerFill> RouteAsync(OrderTicket order, BrokerClient broker, CancellationToken cancellationToken);
}
