using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Bench.Grpc;

/// <summary>
/// A minimal gRPC client on HttpClient over h2c that reads response frames raw, so the bench depends on nothing
/// of grpc-dotnet's client side. One HTTP/2 connection carries all its calls. Every check it makes that fails
/// throws <see cref="BenchFailure"/>.
/// </summary>
internal sealed class RawGrpcClient(Uri address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = false });

    /// <summary>A unary call; returns the reply's bytes after checking that it ended with grpc-status 0.</summary>
    public async Task<byte[]> UnaryAsync(string path, BenchRequest request, CancellationToken token)
    {
        using var response = await SendAsync(path, request, token);
        var body = await response.Content.ReadAsByteArrayAsync(token);
        var frames = new ReadOnlySequence<byte>(body);
        if (!GrpcFrames.TryRead(ref frames, out var payload) || frames.Length > 0)
        {
            throw new BenchFailure($"{path}: a unary reply holds exactly one message; got {body.Length} bytes.");
        }
        CheckStatus(path, response);
        return payload.ToArray();
    }

    /// <summary>
    /// A server-streaming call of <see cref="BenchRequest.ReplyCount"/> replies: counts the frames as they arrive,
    /// parses the first and last, and checks the count, their sequence numbers and grpc-status 0.
    /// </summary>
    public async Task<long> ServerStreamAsync(string path, BenchRequest request, CancellationToken token)
    {
        using var response = await SendAsync(path, request, token);
        await using var body = await response.Content.ReadAsStreamAsync(token);
        var reader = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        long count = 0;
        BenchReply? first = null;
        // A payload is only valid until AdvanceTo: keep a copy of the newest, to check the last reply's number.
        var newest = new byte[1024];
        var newestLength = 0;
        while (true)
        {
            var result = await reader.ReadAsync(token);
            var buffer = result.Buffer;
            var newestInBuffer = default(ReadOnlySequence<byte>?);
            while (GrpcFrames.TryRead(ref buffer, out var payload))
            {
                first ??= BenchReply.Parser.ParseFrom(payload);
                newestInBuffer = payload;
                count++;
            }
            if (newestInBuffer is { } copy)
            {
                newestLength = checked((int)copy.Length);
                copy.CopyTo(newest);
            }
            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                {
                    throw new BenchFailure($"{path}: the stream ended inside a message.");
                }
                reader.AdvanceTo(buffer.End);
                break;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
        await reader.CompleteAsync();
        CheckStatus(path, response);
        if (count != request.ReplyCount || first?.Sequence != 0
            || (count > 0 && BenchReply.Parser.ParseFrom(newest, 0, newestLength).Sequence != count - 1))
        {
            throw new BenchFailure($"{path}: expected {request.ReplyCount} replies numbered from 0, got {count}.");
        }
        return count;
    }

    public async Task<ServerStats> GetServerStatsAsync(CancellationToken token)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(address, BenchPaths.Stats))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _http.SendAsync(message, token);
        response.EnsureSuccessStatusCode();
        return ServerStats.Parse(await response.Content.ReadAsStringAsync(token));
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(string path, BenchRequest request, CancellationToken token)
    {
        // A hand-built request ignores HttpClient's default version: HTTP/2 must be asked for exactly (h2c).
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcFrames.Frame(request)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcFrames.ContentType);
        message.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Dispose();
            throw new BenchFailure($"{path}: HTTP {(int)response.StatusCode}, not 200.");
        }
        return response;
    }

    private static void CheckStatus(string path, HttpResponseMessage response)
    {
        // grpc-status comes in trailers after messages, or alone in the headers (Trailers-Only).
        var status = response.TrailingHeaders.TryGetValues(GrpcFrames.StatusHeader, out var values)
            || response.Headers.TryGetValues(GrpcFrames.StatusHeader, out values)
            ? string.Join(",", values)
            : "(none)";
        if (status != "0")
        {
            throw new BenchFailure($"{path}: grpc-status {status}, not 0.");
        }
    }
}
