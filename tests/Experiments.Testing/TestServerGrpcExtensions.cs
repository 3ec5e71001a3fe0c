using Grpc.Net.Client;
using Microsoft.AspNetCore.TestHost;

namespace Experiments.Testing;

public static class TestServerGrpcExtensions
{
    /// <summary>
    /// A grpc-dotnet channel that calls <paramref name="server"/> in memory through its handler (grpc-dotnet's
    /// documented test pattern). <paramref name="options"/> may set anything but the handler.
    /// </summary>
    public static GrpcChannel CreateGrpcChannel(this TestServer server, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new GrpcChannelOptions();
        options.HttpHandler = server.CreateHandler();
        return GrpcChannel.ForAddress(server.BaseAddress, options);
    }
}
