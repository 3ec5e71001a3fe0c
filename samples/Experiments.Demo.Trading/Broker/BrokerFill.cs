namespace Experiments.Demo.Trading.Broker;

/// <summary>The broker's answer to a filled order.</summary>
public sealed record BrokerFill(string OrderId, string Symbol, string Side, int Quantity, double Price, string Router);
