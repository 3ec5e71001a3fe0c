using Experiments.Testing.V1;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>The four kinds of call, through our client against our server hosted in memory.</summary>
public sealed class CallKindsTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Unary_call_returns_the_response_and_ends_with_OK()
    {
        using var channel = fixture.Server.CreateChannel();
        var client = new EchoClient(channel);

        using var call = client.EchoAsync(new EchoRequest { Message = "hello" });
        var response = await call;

        Assert.Equal("hello", response.Message);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(await call.ResponseHeadersAsync);
    }

    [Fact]
    public void Blocking_unary_call_returns_the_response()
    {
        using var channel = fixture.Server.CreateChannel();

        var response = new EchoClient(channel).Echo(new EchoRequest { Message = "blocking" });

        Assert.Equal("blocking", response.Message);
    }

    [Fact]
    public async Task Client_streaming_call_answers_once_the_request_stream_completes()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).CollectEcho();

        foreach (var word in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word });
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal("a,b,c", response.Message);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_call_with_no_requests_gets_the_empty_answer()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).CollectEcho();

        await call.RequestStream.CompleteAsync();

        Assert.Equal("", (await call).Message);
    }

    [Fact]
    public async Task Server_streaming_call_yields_every_response_then_ends_with_OK()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Message = "n", Count = 3 });

        var messages = new List<string>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            messages.Add(call.ResponseStream.Current.Message);
        }

        Assert.Equal(["n 0", "n 1", "n 2"], messages);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Server_streaming_call_with_no_responses_ends_with_OK()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Message = "none", Count = 0 });

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_call_answers_each_request_while_the_request_stream_is_open()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).StreamEcho();

        // Each answer is read before the next request is written: only full duplex gets through this.
        foreach (var word in new[] { "ping", "pong", "done" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(word, call.ResponseStream.Current.Message);
        }
        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Status_is_unavailable_until_the_call_ends()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).StreamEcho();

        Assert.Throws<InvalidOperationException>(() => call.GetStatus());
        Assert.Throws<InvalidOperationException>(() => call.GetTrailers());

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Writing_after_completing_the_request_stream_is_refused()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).CollectEcho();

        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        Assert.Equal("", (await call).Message);
    }

    [Fact]
    public async Task Many_concurrent_unary_calls_share_one_channel()
    {
        using var channel = fixture.Server.CreateChannel();
        var client = new EchoClient(channel);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.EchoAsync(new EchoRequest { Message = $"m{i}" }).ResponseAsync));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), responses.Select(r => r.Message));
    }
}
