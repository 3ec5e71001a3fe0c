namespace Experiments.Demo.Trading.Core;

/// <summary>An order the front end placed, checked.</summary>
/// <param name="Side"><c>buy</c> or <c>sell</c>.</param>
public sealed record OrderTicket(string Symbol, string Side, int Quantity, double LimitPrice);
