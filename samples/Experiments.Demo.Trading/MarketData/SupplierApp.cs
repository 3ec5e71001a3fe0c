using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Demo.Trading.MarketData;

/// <summary>The market-data supplier: an external gRPC service of its own (its own app and port) that the core subscribes to.</summary>
public static class SupplierApp
{
    public static WebApplication Build(string urls, bool quiet)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        // gRPC over cleartext HTTP/2: the listener must be HTTP/2 only.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (quiet)
        {
            DemoLogging.Quiet(builder.Logging);
        }
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<PriceBook>();
        var app = builder.Build();
        app.MapGrpcService<SupplierService>();
        return app;
    }
}
