namespace Experiments.Demo.Trading.Scenarios;

/// <summary>What one arm's implementation does on each of the three APIs.</summary>
/// <param name="Router">The order router's own work in the core (pre-trade checks, venue choice) before it calls the broker.</param>
/// <param name="Broker">The broker's round trip for orders this router sends, and its share of rejected orders.</param>
/// <param name="QuoteHold">How long the quote path holds each supplier price before relaying it to the user.</param>
public sealed record ArmProfile(LatencyProfile Router, LatencyProfile Broker, LatencyProfile QuoteHold);
