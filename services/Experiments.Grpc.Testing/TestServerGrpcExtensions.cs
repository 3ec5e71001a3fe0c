using Microsoft.AspNetCore.TestHost;

namespace Experiments.Grpc.Testing;

/// <summary>Channels over an in-memory <see cref="TestServer"/>.</summary>
public static class TestServerGrpcExtensions
{
    /// <summary>
    /// A channel that calls <paramref name="server"/> in memory, through its handler: HTTP/2 requests,
    /// trailers and full-duplex streams, no socket. The channel owns the handler.
    /// </summary>
    /// <param name="server">The test server.</param>
    /// <param name="options">Channel options; <see cref="GrpcChannelOptions.HttpHandler"/> and
    /// <see cref="GrpcChannelOptions.HttpClient"/> must be unset, the server's handler takes their place.</param>
    public static GrpcChannel CreateGrpcChannel(this TestServer server, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new GrpcChannelOptions();
        if (options.HttpHandler is not null || options.HttpClient is not null)
        {
            throw new ArgumentException("The test server supplies the channel's handler; leave HttpHandler and HttpClient unset.", nameof(options));
        }
        return GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = server.CreateHandler(),
            DisposeHttpHandler = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
            RequestCompression = options.RequestCompression,
        });
    }
}
