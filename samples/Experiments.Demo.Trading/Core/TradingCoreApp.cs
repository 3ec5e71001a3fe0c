using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Broker;
using Experiments.Demo.Trading.Scenarios;
using Experiments.Demo.Trading.V1;
using Experiments.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// The trading core: a Grpc.AspNetCore service with the Experiments SDK measuring its three APIs — the calls it
/// serves (interceptor), the broker it calls (HttpClient handler) and the supplier stream it reads (gRPC client
/// interceptor) — and serving each user's variant of the order router and the quote path. It also serves the legacy
/// JSON route <c>GET /v1/portfolio/{account}</c> (h2c, on the same port) and server reflection, and the SDK records its
/// inbound traffic (<see cref="CoreCapture"/>).
/// </summary>
public static class TradingCoreApp
{
    public static WebApplication Build(TradingCoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        // gRPC over cleartext HTTP/2: the listener must be HTTP/2 only.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (options.Quiet)
        {
            DemoLogging.Quiet(builder.Logging);
        }
        if (options.Clock is { } clock)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddSingleton(ScenarioProfiles.For(options.Scenario));
        builder.Services.AddSingleton<Portfolios>();
        builder.Services.AddGrpc(o => o.AddExperimentsInterceptor());
        // So that grpcurl and Postman can list and call the core without its .proto files.
        builder.Services.AddGrpcReflection();
        builder.Services.AddExperiments(o =>
            {
                o.AssignmentAddress = options.AssignmentAddress;
                o.IngestionAddress = options.IngestionAddress;
                o.ApiKey = options.ApiKey;
                o.UserId = UnitIdSource.FromHeader("x-user-id");
                o.ClientId = UnitIdSource.FromHeader("x-client-id");
                // Algorithmic accounts are kept out of the experiment by its targeting (see TradingApis.AlgoGroup).
                o.Groups = UnitGroupsSource.FromHeader(TradingApis.AccountGroupsHeader);
                o.ServiceName = TradingApis.ServiceName;
                CoreCapture.Configure(o, options);
                if (options.Clock is not null)
                {
                    // Event times are read once per batch: in compressed days a batch's age counts thousandfold.
                    o.FlushInterval = TimeSpan.FromMilliseconds(100);
                }
            })
            .WithVariantService<IOrderRouter>(TradingApis.FlagKey)
            .WithVariantService<IQuoteFeed>(TradingApis.FlagKey)
            .WithStaleness<Quote>(q => q.ExchangeTime.ToDateTimeOffset())
            .WithStaleness<Price>(p => p.ExchangeTime.ToDateTimeOffset());
        builder.Services.AddSingleton<IOrderRouter, CurrentOrderRouter>();
        builder.Services.AddSingleton<IOrderRouter, NewOrderRouter>();
        builder.Services.AddSingleton<IQuoteFeed, CurrentQuoteFeed>();
        builder.Services.AddSingleton<IQuoteFeed, NewQuoteFeed>();

        builder.Services.AddHttpClient<BrokerClient>(c => c.BaseAddress = new Uri(options.BrokerAddress))
            .AddExperimentsTelemetry(TradingApis.Broker);
        builder.Services.AddGrpcClient<Supplier.SupplierClient>(o => o.Address = new Uri(options.SupplierAddress))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
            // The user's stream ends the supplier stream opened for it: its deadline and cancellation carry over.
            .EnableCallContextPropagation(o => o.SuppressContextNotFoundErrors = true)
            .AddExperimentsTelemetry(TradingApis.MarketData);

        var app = builder.Build();
        // HTTP requests (the legacy JSON route) are measured and recorded by the SDK's middleware; gRPC calls by its interceptor.
        app.UseExperiments();
        app.MapGrpcService<TradingCoreService>();
        app.MapGrpcReflectionService();
        app.MapLegacyPortfolio();
        return app;
    }
}
