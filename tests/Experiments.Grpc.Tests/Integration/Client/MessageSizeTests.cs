using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>Message size limits give RESOURCE_EXHAUSTED in both directions, and the channel stays usable.</summary>
public sealed class MessageSizeTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Response_over_the_clients_receive_limit_gives_RESOURCE_EXHAUSTED()
    {
        using var channel = fixture.Server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        var client = new EchoClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest { ResponseSize = 4096 }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("small", (await client.EchoAsync(new EchoRequest { Message = "small" })).Message);
    }

    [Fact]
    public async Task Streamed_response_over_the_clients_receive_limit_gives_RESOURCE_EXHAUSTED()
    {
        using var channel = fixture.Server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Count = 3, ResponseSize = 4096 });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Default_receive_limit_is_4_MiB()
    {
        using var channel = fixture.Server.CreateChannel();
        var client = new EchoClient(channel);

        var justUnder = await client.EchoAsync(new EchoRequest { ResponseSize = 4 * 1024 * 1024 - 16 });
        var error = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest { ResponseSize = 4 * 1024 * 1024 }).ResponseAsync);

        Assert.Equal(4 * 1024 * 1024 - 16, justUnder.Padding.Length);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_servers_receive_limit_gives_RESOURCE_EXHAUSTED()
    {
        using var channel = fixture.Server.CreateChannel();
        var client = new EchoClient(channel);
        var request = new EchoRequest { Padding = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]) };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("after", (await client.EchoAsync(new EchoRequest { Message = "after" })).Message);
    }

    [Fact]
    public async Task Streamed_request_over_the_servers_receive_limit_gives_RESOURCE_EXHAUSTED()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).CollectEcho();

        await call.RequestStream.WriteAsync(new EchoRequest { Message = "fits" });
        try
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Padding = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]) });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call before the client has finished writing; the status is what counts.
        }
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_clients_send_limit_fails_with_RESOURCE_EXHAUSTED_before_sending()
    {
        using var channel = fixture.Server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 100 });
        var request = new EchoRequest { Padding = ByteString.CopyFrom(new byte[200]) };

        var error = await Assert.ThrowsAsync<RpcException>(() => new EchoClient(channel).EchoAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Streamed_request_over_the_clients_send_limit_fails_the_call()
    {
        using var channel = fixture.Server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 100 });
        using var call = new EchoClient(channel).StreamEcho();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest { Padding = ByteString.CopyFrom(new byte[200]) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, call.GetStatus().StatusCode);
    }
}
