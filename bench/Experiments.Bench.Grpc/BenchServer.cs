using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Bench.Grpc;

/// <summary>
/// The server under test (<c>serve</c>): two apps built alike in one process, each with its own h2c listener and
/// routes. One serves BenchService on Grpc.AspNetCore (<c>AddGrpc</c>, <c>MapGrpcService</c>, its defaults); the
/// other serves the same calls with the bare endpoints and knows nothing of grpc-dotnet, so that it pays none of
/// its costs (its routes included). Sharing the process, they share the runtime, the thread pool and the GC.
/// </summary>
internal static class BenchServer
{
    public const string ReadyPrefix = "bench server listening on ";

    // A last resort should the runner vanish without closing our stdin.
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync()
    {
        var counters = new Dictionary<string, GrpcStatusCounters>
        {
            [BenchEndpoint.GrpcDotnetName] = new(BenchPaths.Calls),
            [BenchEndpoint.BareName] = new(BenchPaths.Calls),
        };
        await using var grpcDotnet = BuildApp(counters, BenchEndpoint.GrpcDotnetName,
            // One instance for all calls, as the services register theirs (grpc-dotnet otherwise creates one per call).
            services => services.AddSingleton<GrpcBenchService>().AddGrpc(),
            app => app.MapGrpcService<GrpcBenchService>());
        await using var bare = BuildApp(counters, BenchEndpoint.BareName, _ => { }, app => app.MapBareGrpc());
        await grpcDotnet.StartAsync();
        await bare.StartAsync();

        Console.WriteLine($"{ReadyPrefix}{AddressOf(grpcDotnet)} {AddressOf(bare)}");
        // The runner holds our stdin: when it exits, or dies, stdin ends and so does this server. Console.In reads
        // synchronously, even through ReadToEndAsync, so it gets a thread of its own for the time limit to apply.
        await Task.WhenAny(Task.Run(Console.In.ReadToEnd), Task.Delay(MaxLifetime));
        await Task.WhenAll(grpcDotnet.StopAsync(), bare.StopAsync());
        return 0;
    }

    private static WebApplication BuildApp(
        IReadOnlyDictionary<string, GrpcStatusCounters> counters, string name, Action<IServiceCollection> addServices, Action<WebApplication> mapCalls)
    {
        // No configuration reload: it watches the content root (the working folder, often the repository) with
        // inotify, and every file other people's builds write there would cost the server CPU mid-run.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        // h2c needs an HTTP/2-only listener.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        addServices(builder.Services);
        var app = builder.Build();
        app.Use(counters[name].Middleware);
        mapCalls(app);
        app.MapGet(BenchPaths.Stats, (HttpContext http) => http.Response.WriteAsync(ServerStats.Format(counters)));
        return app;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
