using Experiments.Grpc.Server;
using Experiments.Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>The echo service hosted in memory, with health and reflection.</summary>
public static class EchoServer
{
    /// <summary>The server's receive limit in these tests, small enough to exceed cheaply.</summary>
    public const int MaxReceiveMessageSize = 64 * 1024;

    public static Task<GrpcTestServer> StartAsync(Action<GrpcServerOptions>? configure = null) =>
        GrpcTestServer.StartAsync(
            services => services.AddSingleton<ServerCallObserver>(),
            app => app.MapGrpcService<EchoService>(Experiments.Testing.V1.EchoReflection.Descriptor.Services[0]),
            options =>
            {
                options.MaxReceiveMessageSize = MaxReceiveMessageSize;
                configure?.Invoke(options);
            });
}
