namespace Experiments.Demo.Trading.MarketData;

/// <summary>The symbols the supplier prices and the core trades.</summary>
public static class Symbols
{
    public static readonly string[] All = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "ASML", "SAP", "NESN"];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="symbol"/> (upper case) is traded here.</summary>
    public static bool IsKnown(string symbol) => Known.Contains(symbol);
}
