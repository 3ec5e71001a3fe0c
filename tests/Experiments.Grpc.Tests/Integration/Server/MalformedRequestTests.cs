using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Experiments.Grpc.Tests.Interop;
using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Integration.Server;

/// <summary>
/// Hand-built HTTP/2 requests with broken gRPC framing, sent to a real Kestrel socket without our client:
/// every one must end in a gRPC error status — never a crash, a hang or an HTTP-level failure — and the
/// server must go on serving.
/// </summary>
public sealed class MalformedRequestTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    private const string UnaryPath = "/experiments.testing.v1.InteropTestService/UnaryCall";

    public static TheoryData<string, byte[], string?, StatusCode> BrokenBodies => new()
    {
        { "length prefix promises more than is sent", [.. Prefix(0, 1000), .. new byte[10]], null, StatusCode.Internal },
        { "stream ends inside the 5-byte prefix", [0, 0, 0], null, StatusCode.Internal },
        { "length prefix over the 1 MiB receive limit", [.. Prefix(0, 0x7FFF_FFFF), .. new byte[16]], null, StatusCode.ResourceExhausted },
        { "compressed flag without grpc-encoding", [.. Prefix(1, 2), 0x08, 0x01], null, StatusCode.Internal },
        { "compressed flag that is neither 0 nor 1", [.. Prefix(7, 2), 0x08, 0x01], null, StatusCode.Internal },
        { "compressed flag with gzip but the bytes are not gzip", [.. Prefix(1, 4), 1, 2, 3, 4], "gzip", StatusCode.Internal },
        { "message bytes that are not protobuf", [.. Prefix(0, 3), 0xFF, 0xFF, 0xFF], null, StatusCode.Internal },
        { "two messages on a unary call", [.. Frame(new SimpleRequest()), .. Frame(new SimpleRequest())], null, StatusCode.Internal },
        { "no message on a unary call", [], null, StatusCode.Internal },
        { "unsupported grpc-encoding", [.. Frame(new SimpleRequest())], "snappy", StatusCode.Unimplemented },
    };

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task Broken_request_gets_a_grpc_error_status_and_the_server_keeps_serving(string what, byte[] body, string? encoding, StatusCode expected)
    {
        using var client = NewClient();
        using var request = GrpcRequest(UnaryPath, body, encoding);

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(StatusOf(response) == ((int)expected).ToString(), $"{what}: grpc-status {StatusOf(response)}, message '{MessageOf(response)}'");
        await AssertServerStillServesAsync(client);
    }

    [Fact]
    public async Task Non_grpc_content_type_gets_415()
    {
        using var client = NewClient();
        using var request = GrpcRequest(UnaryPath, Frame(new SimpleRequest()), null);
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertServerStillServesAsync(client);
    }

    private async Task AssertServerStillServesAsync(HttpClient client)
    {
        using var request = GrpcRequest(UnaryPath, Frame(new SimpleRequest { ResponseSize = 3 }), null);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", StatusOf(response));
        var reply = SimpleResponse.Parser.ParseFrom(body.AsSpan(5));
        Assert.Equal(3, reply.Payload.Body.Length);
    }

    private HttpClient NewClient() => new(new SocketsHttpHandler()) { BaseAddress = new Uri(server.Address), Timeout = TimeSpan.FromSeconds(20) };

    private static HttpRequestMessage GrpcRequest(string path, byte[] body, string? encoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (encoding is not null)
        {
            request.Headers.Add("grpc-encoding", encoding);
        }
        return request;
    }

    // A status arrives in trailers after messages, or in the headers of a Trailers-Only response.
    private static string? StatusOf(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;

    private static string? MessageOf(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-message", out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues("grpc-message", out var header) ? header.Single() : null;

    private static byte[] Prefix(byte flag, uint length)
    {
        var prefix = new byte[5];
        prefix[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), length);
        return prefix;
    }

    private static byte[] Frame(IMessage message) => [.. Prefix(0, (uint)message.CalculateSize()), .. message.ToByteArray()];
}
