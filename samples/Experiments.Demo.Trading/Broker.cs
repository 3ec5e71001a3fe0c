using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading;

/// <summary>An order as the front end sends it.</summary>
public sealed record OrderRequest(string Symbol, string Side, int Quantity);

/// <summary>The broker's answer.</summary>
public sealed record Fill(string OrderId, string Symbol, string Side, int Quantity, decimal Price, string Router);

/// <summary>The broker rejected or failed the order.</summary>
public sealed class BrokerException(string message) : Exception(message);

/// <summary>The simulated external broker: waits a latency drawn from a profile, then fills or fails.</summary>
public sealed class SimulatedBroker(MarketData market)
{
    public async Task<Fill> ExecuteAsync(OrderRequest order, BrokerProfile profile, string router, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(profile);
        var random = Random.Shared;
        var latency = profile.SampleLatencyMs(random);
        await Task.Delay(TimeSpan.FromMilliseconds(latency), cancellationToken).ConfigureAwait(false);
        if (random.NextDouble() < profile.ErrorRate)
        {
            throw new BrokerException("broker rejected the order: upstream timeout");
        }
        var price = market.Quote(order.Symbol).Price;
        return new Fill(Guid.NewGuid().ToString("N"), order.Symbol, order.Side, order.Quantity, price, router);
    }
}

/// <summary>Routes an order to the broker. One implementation per variant of the <c>order-routing</c> flag.</summary>
public interface IOrderRouter
{
    Task<Fill> RouteAsync(OrderRequest order, CancellationToken cancellationToken);
}

/// <summary>The router in production today (variant <c>control</c>).</summary>
[VariantServiceAlias("control")]
public sealed class CurrentOrderRouter(SimulatedBroker broker, ScenarioProfiles profiles) : IOrderRouter
{
    public Task<Fill> RouteAsync(OrderRequest order, CancellationToken cancellationToken) =>
        broker.ExecuteAsync(order, profiles.Current, "current", cancellationToken);
}

/// <summary>The new router being rolled out (variant <c>new-router</c>).</summary>
[VariantServiceAlias("new-router")]
public sealed class NewOrderRouter(SimulatedBroker broker, ScenarioProfiles profiles) : IOrderRouter
{
    public Task<Fill> RouteAsync(OrderRequest order, CancellationToken cancellationToken) =>
        broker.ExecuteAsync(order, profiles.New, "new", cancellationToken);
}
