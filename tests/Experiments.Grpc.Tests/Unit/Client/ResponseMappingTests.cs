using System.Net;
using System.Net.Sockets;
using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Unit.Client;

/// <summary>
/// Responses that are not well-formed gRPC — from proxies, load balancers or broken servers — and transport
/// failures all surface as RpcException with the status grpc/grpc doc/PROTOCOL-HTTP2.md and
/// doc/http-grpc-status-mapping.md give them.
/// </summary>
public sealed class ResponseMappingTests
{
    private static readonly Method<EchoRequest, EchoResponse> Unary = new(MethodType.Unary, "experiments.testing.v1.EchoService", "Echo", EchoRequest.Parser, EchoResponse.Parser);

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, StatusCode.Internal)]
    [InlineData(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated)]
    [InlineData(HttpStatusCode.Forbidden, StatusCode.PermissionDenied)]
    [InlineData(HttpStatusCode.NotFound, StatusCode.Unimplemented)]
    [InlineData(HttpStatusCode.TooManyRequests, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.BadGateway, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.UnsupportedMediaType, StatusCode.Unknown)]
    [InlineData(HttpStatusCode.InternalServerError, StatusCode.Unknown)]
    public async Task Http_error_without_grpc_status_maps_to_the_specified_code(HttpStatusCode http, StatusCode expected)
    {
        var error = await CallAsync(_ => new HttpResponseMessage(http) { Content = new StringContent("<html>proxy error</html>") });

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(((int)http).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_status_in_headers_wins_over_the_http_status()
    {
        var error = await CallAsync(_ => WithHeaders(new HttpResponseMessage(HttpStatusCode.UnsupportedMediaType), ("grpc-status", "13"), ("grpc-message", "bad content type")));

        Assert.Equal(new Status(StatusCode.Internal, "bad content type"), error.Status);
    }

    [Fact]
    public async Task Ok_response_that_is_not_grpc_gives_UNKNOWN_naming_the_content_type()
    {
        var error = await CallAsync(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html/>", System.Text.Encoding.UTF8, "text/html") });

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("text/html", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trailers_only_response_gives_its_status_with_the_message_percent_decoded_and_its_metadata_as_trailers()
    {
        var error = await CallAsync(_ => WithHeaders(GrpcResponse([]), ("grpc-status", "7"), ("grpc-message", "caf%C3%A9 %E2%89%A0 tea"), ("x-reason", "policy")));

        Assert.Equal(new Status(StatusCode.PermissionDenied, "café ≠ tea"), error.Status);
        Assert.Equal("policy", error.Trailers.GetValue("x-reason"));
    }

    [Fact]
    public async Task Response_that_ends_without_grpc_status_gives_a_clear_error()
    {
        var error = await CallAsync(_ => GrpcResponse(Frame(new EchoResponse { Message = "orphan" })));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("grpc-status", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_that_ends_inside_a_message_gives_INTERNAL()
    {
        var error = await CallAsync(_ => GrpcResponse(Frame(new EchoResponse { Message = "cut short" })[..^2]));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Ok_status_without_a_response_message_gives_INTERNAL()
    {
        var error = await CallAsync(_ => WithTrailers(GrpcResponse([]), ("grpc-status", "0")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Two_messages_on_a_unary_response_give_INTERNAL()
    {
        var error = await CallAsync(_ => WithTrailers(GrpcResponse([.. Frame(new EchoResponse()), .. Frame(new EchoResponse())]), ("grpc-status", "0")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Rich_error_details_are_kept_in_the_trailers()
    {
        var error = await CallAsync(_ => WithTrailers(GrpcResponse([]), ("grpc-status", "3"), ("grpc-status-details-bin", "AQID")));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(new byte[] { 1, 2, 3 }, error.Trailers.GetValueBytes("grpc-status-details-bin"));
    }

    [Fact]
    public async Task Request_carries_the_protocol_headers_and_the_callers_metadata()
    {
        HttpRequestMessage? seen = null;
        string? contentType = null;
        var headers = new Metadata().Add("authorization", "Bearer t").Add("x-bin", [1, 2, 3]);
        var options = new CallOptions(headers, deadline: DateTime.UtcNow.AddMinutes(1));
        await CallAsync(request =>
        {
            seen = request;
            contentType = request.Content!.Headers.GetValues("Content-Type").Single();
            return WithTrailers(GrpcResponse(Frame(new EchoResponse())), ("grpc-status", "0"));
        }, options, new GrpcChannelOptions { RequestCompression = "gzip" }, expectSuccess: true);

        Assert.NotNull(seen);
        Assert.Equal(HttpMethod.Post, seen.Method);
        Assert.Equal(HttpVersion.Version20, seen.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, seen.VersionPolicy);
        Assert.Equal("/experiments.testing.v1.EchoService/Echo", seen.RequestUri!.AbsolutePath);
        Assert.Equal("application/grpc", contentType);
        Assert.Equal("trailers", seen.Headers.GetValues("TE").Single());
        Assert.Equal("identity,gzip,deflate", seen.Headers.GetValues("grpc-accept-encoding").Single());
        Assert.Equal("gzip", seen.Headers.GetValues("grpc-encoding").Single());
        Assert.Matches("^[0-9]{1,8}[HMSmun]$", seen.Headers.GetValues("grpc-timeout").Single());
        Assert.StartsWith("grpc-", seen.Headers.UserAgent.ToString(), StringComparison.Ordinal);
        Assert.Equal("Bearer t", seen.Headers.GetValues("authorization").Single());
        Assert.Equal("AQID", seen.Headers.GetValues("x-bin").Single());
    }

    [Fact]
    public async Task Channel_address_with_a_path_prefixes_the_method_path()
    {
        Uri? uri = null;
        using var channel = GrpcChannel.ForAddress("http://gateway.example/prefix/", new GrpcChannelOptions
        {
            HttpHandler = new StubHandler(request =>
            {
                uri = request.RequestUri;
                return WithTrailers(GrpcResponse(Frame(new EchoResponse())), ("grpc-status", "0"));
            }),
        });

        await channel.CreateCallInvoker().AsyncUnaryCall(Unary, default, new EchoRequest());

        Assert.Equal("http://gateway.example/prefix/experiments.testing.v1.EchoService/Echo", uri!.ToString());
    }

    [Fact]
    public async Task Connection_refused_gives_UNAVAILABLE()
    {
        // A port that was just free: nothing listens on it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(Unary, default, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Connection_refused_fails_a_streaming_call_and_its_writes_with_UNAVAILABLE()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var duplex = new Method<EchoRequest, EchoResponse>(MethodType.DuplexStreaming, "experiments.testing.v1.EchoService", "StreamEcho", EchoRequest.Parser, EchoResponse.Parser);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(duplex, default);

        var readError = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, readError.StatusCode);
        Assert.Equal(StatusCode.Unavailable, writeError.StatusCode);
    }

    [Fact]
    public void Calls_on_a_disposed_channel_are_refused()
    {
        var channel = GrpcChannel.ForAddress("http://localhost:1");
        var invoker = channel.CreateCallInvoker();
        channel.Dispose();

        Assert.Throws<ObjectDisposedException>(() => invoker.AsyncUnaryCall(Unary, default, new EchoRequest()));
    }

    private static async Task<RpcException> CallAsync(Func<HttpRequestMessage, HttpResponseMessage> respond) =>
        (await CallAsync(respond, default, null, expectSuccess: false))!;

    private static async Task<RpcException?> CallAsync(
        Func<HttpRequestMessage, HttpResponseMessage> respond, CallOptions options, GrpcChannelOptions? channelOptions, bool expectSuccess)
    {
        channelOptions ??= new GrpcChannelOptions();
        channelOptions.HttpHandler = new StubHandler(respond);
        channelOptions.DisposeHttpHandler = true;
        using var channel = GrpcChannel.ForAddress("http://stub.example", channelOptions);
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(Unary, options, new EchoRequest { Message = "x" });
        if (expectSuccess)
        {
            await call;
            return null;
        }
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }

    private static HttpResponseMessage GrpcResponse(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, Version = HttpVersion.Version20 };
    }

    private static HttpResponseMessage WithHeaders(HttpResponseMessage response, params (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }

    private static HttpResponseMessage WithTrailers(HttpResponseMessage response, params (string Name, string Value)[] trailers)
    {
        foreach (var (name, value) in trailers)
        {
            response.TrailingHeaders.TryAddWithoutValidation(name, value);
        }
        return response;
    }

    private static byte[] Frame(EchoResponse message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
