using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Health.V1;

namespace Experiments.Wire.Tests;

/// <summary>
/// Hand-built HTTP/2 requests with broken gRPC framing, sent to each service's real socket without a gRPC client:
/// every one must end in a gRPC error status (grpc/grpc doc/PROTOCOL-HTTP2.md: protocol errors are INTERNAL, an
/// unsupported encoding UNIMPLEMENTED, a message over the receive limit RESOURCE_EXHAUSTED) — never a crash, a hang or
/// an HTTP-level failure — and the service must go on serving. Bytes that reach the deserializer and fail there (not
/// protobuf, not gzip) have no code in the protocol: grpc-dotnet answers UNKNOWN, grpc-java INTERNAL; any error status
/// passes for those (expected null).
/// </summary>
[Collection(nameof(RunningServices))]
public sealed class MalformedFrameTests(RunningServices services)
{
    // One unary method per service; a broken frame never reaches it, so the request's content does not matter.
    private static readonly Dictionary<string, string> UnaryPaths = new()
    {
        ["assignment"] = "/experiments.v1.Assignment/Assign",
        ["ingestion"] = "/experiments.v1.Ingestion/IngestBatch",
        ["statistics"] = "/experiments.v1.Statistics/GetVerdict",
    };

    public static TheoryData<string, string, byte[], string?, StatusCode?> BrokenBodies
    {
        get
        {
            var data = new TheoryData<string, string, byte[], string?, StatusCode?>();
            foreach (var service in UnaryPaths.Keys)
            {
                data.Add(service, "length prefix promises more than is sent", [.. Prefix(0, 1000), .. new byte[10]], null, StatusCode.Internal);
                data.Add(service, "stream ends inside the 5-byte prefix", [0, 0, 0], null, StatusCode.Internal);
                data.Add(service, "length prefix over the 4 MiB receive limit", [.. Prefix(0, 0x7FFF_FFFF), .. new byte[16]], null, StatusCode.ResourceExhausted);
                data.Add(service, "compressed flag without grpc-encoding", [.. Prefix(1, 2), 0x08, 0x01], null, StatusCode.Internal);
                data.Add(service, "compressed flag with gzip but the bytes are not gzip", [.. Prefix(1, 4), 1, 2, 3, 4], "gzip", null);
                data.Add(service, "message bytes that are not protobuf", [.. Prefix(0, 3), 0xFF, 0xFF, 0xFF], null, null);
                data.Add(service, "no message on a unary call", [], null, StatusCode.Internal);
                data.Add(service, "a message compressed with an unsupported grpc-encoding", [.. Prefix(1, 2), 0x08, 0x01], "snappy", StatusCode.Unimplemented);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task Broken_request_gets_a_grpc_error_status_and_the_service_keeps_serving(string service, string what, byte[] body, string? encoding, StatusCode? expected)
    {
        using var client = NewClient(service);
        using var request = GrpcRequest(UnaryPaths[service], body, encoding);

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = StatusOf(response);
        var matches = expected is { } code ? status == ((int)code).ToString(CultureInfo.InvariantCulture) : status is not (null or "0");
        Assert.True(matches, $"{what}: grpc-status {status}, message '{MessageOf(response)}'");
        await AssertServerStillServesAsync(client);
    }

    private static async Task AssertServerStillServesAsync(HttpClient client)
    {
        var check = new HealthCheckRequest();
        using var request = GrpcRequest("/grpc.health.v1.Health/Check", [.. Prefix(0, (uint)check.CalculateSize())], null);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", StatusOf(response));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Parser.ParseFrom(body.AsSpan(5)).Status);
    }

    private HttpClient NewClient(string service) =>
        new(new SocketsHttpHandler()) { BaseAddress = new Uri(services[service].Address), Timeout = TimeSpan.FromSeconds(20) };

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
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningServices.ApiKey);
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
}
