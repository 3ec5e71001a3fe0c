namespace Experiments.Demo.Trading.Broker;

/// <summary>The broker failed or rejected the order.</summary>
public sealed class BrokerRejectedException(string message) : Exception(message);
