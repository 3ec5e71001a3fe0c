using Experiments.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.FeatureManagement;

namespace Experiments.Demo.Trading;

/// <summary>Where the trading backend listens and which Experiments services it talks to.</summary>
public sealed class TradingAppOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:5110";

    public string AssignmentAddress { get; set; } = "http://127.0.0.1:5101";

    public string IngestionAddress { get; set; } = "http://127.0.0.1:5102";

    public string ApiKey { get; set; } = "dev-local-key";

    public Scenario Scenario { get; set; } = Scenario.P99Regression;

    /// <summary>Log at Information (standalone) or only warnings (inside the launcher).</summary>
    public bool Quiet { get; set; }

    /// <summary>The clock that stamps exposures and requests (the simulated days of a demo run); null is the real one.</summary>
    public TimeProvider? Clock { get; set; }
}

/// <summary>The trading backend: quotes, orders (through the <c>order-routing</c> variant service), portfolio.</summary>
public static class TradingApp
{
    /// <summary>The flag whose variants pick the order router.</summary>
    public const string FlagKey = "order-routing";

    /// <summary>API names as the SDK reports them (HTTP method and route pattern).</summary>
    public const string OrdersApi = "POST /api/orders";

    public const string QuotesApi = "GET /api/quotes/{symbol}";

    public const string PortfolioApi = "GET /api/portfolio";

    public static WebApplication Build(TradingAppOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (options.Quiet)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        if (options.Clock is { } clock)
        {
            builder.Services.AddSingleton(clock);
        }
        builder.Services.AddSingleton(ScenarioProfiles.For(options.Scenario));
        builder.Services.AddSingleton<MarketData>();
        builder.Services.AddSingleton<Portfolios>();
        builder.Services.AddSingleton<SimulatedBroker>();
        builder.Services.AddExperiments(o =>
        {
            o.AssignmentAddress = options.AssignmentAddress;
            o.IngestionAddress = options.IngestionAddress;
            o.ApiKey = options.ApiKey;
            o.UserId = UnitIdSource.FromHeader("x-user-id");
            o.ClientId = UnitIdSource.FromHeader("x-client-id");
            if (options.Clock is not null)
            {
                // Event times are read once per batch: in compressed days a batch's age counts thousandfold.
                o.FlushInterval = TimeSpan.FromMilliseconds(100);
            }
        })
        .WithVariantService<IOrderRouter>(FlagKey);
        builder.Services.AddSingleton<IOrderRouter, CurrentOrderRouter>();
        builder.Services.AddSingleton<IOrderRouter, NewOrderRouter>();

        var app = builder.Build();
        app.UseExperiments();

        app.MapGet("/api/quotes/{symbol}", (string symbol, MarketData market) =>
            MarketData.Symbols.Contains(symbol.ToUpperInvariant())
                ? Results.Ok(market.Quote(symbol))
                : Results.NotFound());

        app.MapPost("/api/orders", async (OrderRequest order, HttpContext context, IVariantServiceProvider<IOrderRouter> routers, Portfolios portfolios, CancellationToken ct) =>
        {
            if (order.Quantity <= 0 || !MarketData.Symbols.Contains(order.Symbol.ToUpperInvariant()))
            {
                return Results.BadRequest();
            }
            var router = await routers.GetServiceAsync(ct).ConfigureAwait(false);
            try
            {
                var fill = await router!.RouteAsync(order, ct).ConfigureAwait(false);
                portfolios.Apply(User(context), fill);
                return Results.Ok(fill);
            }
            catch (BrokerException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status502BadGateway);
            }
        });

        app.MapGet("/api/portfolio", (HttpContext context, Portfolios portfolios) => Results.Ok(portfolios.For(User(context))));
        return app;
    }

    private static string User(HttpContext context) =>
        context.Request.Headers["x-user-id"].ToString() is { Length: > 0 } user ? user : "anonymous";
}
