using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Broker;
using Experiments.Demo.Trading.MarketData;
using Experiments.Demo.Trading.V1;
using Grpc.Core;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// <c>trading.v1.TradingCore</c>: maps the front end's messages, asks the variant services for the user's order router
/// and quote path (the SDK's interceptor serves the user named by <c>x-user-id</c> for the whole call), and maps back.
/// The broker and supplier clients come per call from the client factories, so their calls belong to the user served.
/// </summary>
public sealed class TradingCoreService(
    IVariantServiceProvider<IOrderRouter> routers,
    IVariantServiceProvider<IQuoteFeed> feeds,
    BrokerClient broker,
    Supplier.SupplierClient supplier,
    Portfolios portfolios) : TradingCore.TradingCoreBase
{
    public override async Task StreamQuotes(StreamQuotesRequest request, IServerStreamWriter<Quote> responseStream, ServerCallContext context)
    {
        var symbols = request.Symbols.Select(s => s.ToUpperInvariant()).ToArray();
        if (symbols.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "symbols: at least one symbol is required"));
        }
        if (Array.Find(symbols, s => !Symbols.IsKnown(s)) is { } unknown)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "symbols: unknown symbol " + unknown));
        }
        if (request.MaxQuotes < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "max_quotes: must be >= 0"));
        }
        var ct = context.CancellationToken;
        var feed = await feeds.GetServiceAsync(ct);
        await foreach (var price in feed.PricesAsync(supplier, symbols, request.MaxQuotes, ct))
        {
            await responseStream.WriteAsync(new Quote { Symbol = price.Symbol, Price = price.Mid, Bid = price.Bid, Ask = price.Ask, ExchangeTime = price.ExchangeTime }, ct);
        }
    }

    public override async Task<PlaceOrderResponse> PlaceOrder(PlaceOrderRequest request, ServerCallContext context)
    {
        var order = Ticket(request);
        var router = await routers.GetServiceAsync(context.CancellationToken);
        await PreTradeRisk.RunAsync(order, context.CancellationToken);
        BrokerFill fill;
        try
        {
            fill = await router.RouteAsync(order, broker, context.CancellationToken);
        }
        catch (BrokerRejectedException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the broker failed the order: " + e.Message));
        }
        portfolios.Apply(User(context), fill.Symbol, fill.Side, fill.Quantity);
        return new PlaceOrderResponse
        {
            OrderId = fill.OrderId,
            Symbol = fill.Symbol,
            Side = request.Side == Side.Sell ? Side.Sell : Side.Buy,
            Quantity = fill.Quantity,
            Price = fill.Price,
            Router = fill.Router,
        };
    }

    public override Task<Portfolio> GetPortfolio(GetPortfolioRequest request, ServerCallContext context)
    {
        var portfolio = new Portfolio();
        portfolio.Positions.AddRange(portfolios.For(User(context)).Select(p => new Position { Symbol = p.Key, Quantity = p.Value }));
        return Task.FromResult(portfolio);
    }

    private static OrderTicket Ticket(PlaceOrderRequest request)
    {
        var symbol = request.Symbol.ToUpperInvariant();
        if (!Symbols.IsKnown(symbol))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "symbol: unknown symbol " + request.Symbol));
        }
        if (request.Quantity <= 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "quantity: must be > 0"));
        }
        if (!(request.LimitPrice > 0) || double.IsInfinity(request.LimitPrice))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "limit_price: must be a positive finite price"));
        }
        if (request.AccountToken.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_token: required (the token the client got at sign-in)"));
        }
        return new OrderTicket(symbol, request.Side == Side.Sell ? "sell" : "buy", request.Quantity, request.LimitPrice);
    }

    private static string User(ServerCallContext context) =>
        context.RequestHeaders.GetValue("x-user-id") is { Length: > 0 } user ? user : "anonymous";
}
