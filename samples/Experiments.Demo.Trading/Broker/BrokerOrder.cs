namespace Experiments.Demo.Trading.Broker;

/// <summary>An order as the broker's <c>POST /orders</c> takes it.</summary>
/// <param name="Side"><c>buy</c> or <c>sell</c>.</param>
/// <param name="Router">The router that sent it (<c>current</c> or <c>new</c>): each reaches the broker through its own gateway.</param>
public sealed record BrokerOrder(string Symbol, string Side, int Quantity, double LimitPrice, string Router);
