using Experiments.Testing.V1;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>Metadata both ways (ASCII and binary), trailers, and statuses as the caller sees them.</summary>
public sealed class MetadataAndStatusTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private static readonly byte[] BinaryValue = [0, 1, 2, 0xFE, 0xFF, (byte)'=', (byte)','];

    [Fact]
    public async Task Request_metadata_comes_back_as_response_headers_and_trailers_including_binary_values()
    {
        using var channel = fixture.Server.CreateChannel();
        var headers = new Metadata().Add("x-text", "hello world").Add("x-data-bin", BinaryValue);

        using var call = new EchoClient(channel).EchoAsync(new EchoRequest { Message = "m", EchoMetadata = true }, new CallOptions(headers));
        await call;

        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("hello world", responseHeaders.GetValue("x-text"));
        Assert.Equal(BinaryValue, responseHeaders.GetValueBytes("x-data-bin"));
        var trailers = call.GetTrailers();
        Assert.Equal("hello world", trailers.GetValue("x-text"));
        Assert.Equal(BinaryValue, trailers.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public async Task Trailers_of_a_failed_call_travel_with_its_RpcException()
    {
        using var channel = fixture.Server.CreateChannel();
        var headers = new Metadata().Add("x-request-id", "r-17").Add("x-detail-bin", BinaryValue);
        var request = new EchoRequest { Message = "m", EchoMetadata = true, Error = new EchoError { Code = (int)StatusCode.FailedPrecondition, Message = "not yet" } };

        using var call = new EchoClient(channel).EchoAsync(request, new CallOptions(headers));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("not yet", error.Status.Detail);
        Assert.Equal("r-17", error.Trailers.GetValue("x-request-id"));
        Assert.Equal(BinaryValue, error.Trailers.GetValueBytes("x-detail-bin"));
        Assert.Equal(error.Status, call.GetStatus());
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "field 'name': must not be empty")]
    [InlineData(StatusCode.NotFound, "experiment «checkout-v2» not found — 100% sure")]
    [InlineData(StatusCode.Aborted, "revision 3 ≠ 4; 日本語; emoji 🚀; percent %41 stays literal")]
    public async Task Error_status_and_non_ASCII_message_reach_the_caller_unchanged(StatusCode code, string message)
    {
        using var channel = fixture.Server.CreateChannel();
        var request = new EchoRequest { Error = new EchoError { Code = (int)code, Message = message } };

        var error = await Assert.ThrowsAsync<RpcException>(() => new EchoClient(channel).EchoAsync(request).ResponseAsync);

        Assert.Equal(new Status(code, message), error.Status);
    }

    [Fact]
    public async Task Error_after_streamed_responses_is_read_from_the_trailers()
    {
        using var channel = fixture.Server.CreateChannel();
        var request = new EchoRequest { Message = "s", Count = 2, Error = new EchoError { Code = (int)StatusCode.DataLoss, Message = "lost the rest" } };
        using var call = new EchoClient(channel).ExpandEcho(request);

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(new Status(StatusCode.DataLoss, "lost the rest"), error.Status);
        Assert.Equal(error.Status, call.GetStatus());
    }

    [Fact]
    public async Task Error_before_any_response_fails_the_response_headers_too()
    {
        using var channel = fixture.Server.CreateChannel();
        var request = new EchoRequest { Error = new EchoError { Code = (int)StatusCode.PermissionDenied, Message = "no" } };
        using var call = new EchoClient(channel).EchoAsync(request);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Error_in_a_duplex_call_fails_the_next_read()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).StreamEcho();

        await call.RequestStream.WriteAsync(new EchoRequest { Message = "fine" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await call.RequestStream.WriteAsync(new EchoRequest { Error = new EchoError { Code = (int)StatusCode.OutOfRange, Message = "too far" } });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        Assert.Equal(StatusCode.OutOfRange, writeError.StatusCode);
    }

    [Fact]
    public async Task Retry_advice_of_a_shedding_server_reaches_the_caller_in_the_trailers()
    {
        using var channel = fixture.Server.CreateChannel();
        var request = new EchoRequest { Message = "m", Error = new EchoError { Code = (int)StatusCode.ResourceExhausted, Message = "slow down", RetryPushbackMs = 250 } };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await new EchoClient(channel).EchoAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("250", error.Trailers.GetValue("grpc-retry-pushback-ms"));
    }

    [Fact]
    public async Task Unknown_method_of_a_known_service_gives_UNIMPLEMENTED()
    {
        using var channel = fixture.Server.CreateChannel();
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "experiments.testing.v1.EchoService", "NoSuchMethod", EchoRequest.Parser, EchoResponse.Parser);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, default, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("NoSuchMethod", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_service_gives_UNIMPLEMENTED_on_a_streaming_call_too()
    {
        using var channel = fixture.Server.CreateChannel();
        var method = new Method<EchoRequest, EchoResponse>(MethodType.DuplexStreaming, "no.such.Service", "Chat", EchoRequest.Parser, EchoResponse.Parser);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, default);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, call.GetStatus().StatusCode);
    }
}
