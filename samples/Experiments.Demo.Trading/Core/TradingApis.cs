namespace Experiments.Demo.Trading.Core;

/// <summary>
/// The APIs of the trading core as the Experiments SDK names them in its events (RequestEvent.api_name), which the
/// experiment's KPIs select: the front-end API the core serves, and the two dependencies it calls while serving a user.
/// </summary>
public static class TradingApis
{
    /// <summary>The flag whose variants pick the order router and the quote path.</summary>
    public const string FlagKey = "order-routing";

    /// <summary>Dependency name of the broker's HttpClient.</summary>
    public const string Broker = "broker";

    /// <summary>Dependency name of the market-data supplier's gRPC client.</summary>
    public const string MarketData = "market-data";

    public const string PlaceOrder = "trading.v1.TradingCore/PlaceOrder";

    public const string StreamQuotes = "trading.v1.TradingCore/StreamQuotes";

    public const string GetPortfolio = "trading.v1.TradingCore/GetPortfolio";

    /// <summary>The legacy JSON route for a portfolio, deprecated in favour of <see cref="GetPortfolio"/> (HTTP, on the core's port).</summary>
    public const string LegacyPortfolio = "GET /v1/portfolio/{account}";

    /// <summary>The name the core's captured exchanges and intended usage carry (the SDK's ServiceName).</summary>
    public const string ServiceName = "trading-core";

    /// <summary>Request header with the account's groups (comma-separated), which the experiment's targeting reads.</summary>
    public const string AccountGroupsHeader = "x-account-groups";

    /// <summary>The group of algorithmic accounts, excluded from the experiment: their large orders would dominate both arms' tails.</summary>
    public const string AlgoGroup = "algo";

    public const string BrokerOrders = Broker + " POST /orders";

    public const string SupplierPrices = MarketData + " marketdata.v1.Supplier/StreamPrices";

    /// <summary>Suffix of a server stream's time to its first message.</summary>
    public const string FirstMessage = "#first-message";

    /// <summary>Suffix of a stream's per-message staleness (source time to delivery).</summary>
    public const string Staleness = "#staleness";
}
