using Experiments.Grpc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>One in-memory echo server shared by the tests of a class.</summary>
public sealed class EchoServerFixture : IAsyncLifetime
{
    private GrpcTestServer? _server;

    public GrpcTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public ServerCallObserver Observer => Server.Services.GetRequiredService<ServerCallObserver>();

    public async Task InitializeAsync() => _server = await EchoServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
