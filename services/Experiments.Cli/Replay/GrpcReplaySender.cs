using System.Diagnostics;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Cli.Replay;

/// <summary>
/// Replays a gRPC exchange as raw bytes: a <see cref="Method{TRequest,TResponse}"/> of byte arrays with a
/// pass-through marshaller, so any recorded service can be called without its generated types. Every recorded request
/// message is sent, in order, and every response message read.
/// </summary>
internal sealed class GrpcReplaySender(CallInvoker invoker) : IReplaySender
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);

    public async Task<ReplayOutcome> SendAsync(CapturedExchange exchange, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var (service, name) = SplitPath(exchange);
        var type = exchange.GrpcCallType.ToUpperInvariant() switch
        {
            "SERVER_STREAMING" => MethodType.ServerStreaming,
            "CLIENT_STREAMING" => MethodType.ClientStreaming,
            "DUPLEX_STREAMING" => MethodType.DuplexStreaming,
            _ => MethodType.Unary,
        };
        var method = new Method<byte[], byte[]>(type, service, name, Bytes, Bytes);
        var metadata = new Metadata();
        foreach (var (key, value) in headers)
        {
            if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
            {
                metadata.Add(key, Convert.FromBase64String(value));
            }
            else
            {
                metadata.Add(key, value);
            }
        }
        var options = new CallOptions(metadata, cancellationToken: cancellationToken);
        var requests = exchange.RequestMessages.Select(m => m.Payload.ToByteArray()).ToList();
        var responses = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                {
                    using var call = invoker.AsyncUnaryCall(method, null, options, requests.Count > 0 ? requests[0] : []);
                    responses.Add(await call.ResponseAsync.ConfigureAwait(false));
                    break;
                }
                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, requests.Count > 0 ? requests[0] : []);
                    await ReadAllAsync(call.ResponseStream, responses, cancellationToken).ConfigureAwait(false);
                    break;
                }
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(method, null, options);
                    await WriteAllAsync(call.RequestStream, requests).ConfigureAwait(false);
                    responses.Add(await call.ResponseAsync.ConfigureAwait(false));
                    break;
                }
                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                    // Read while writing: a server that answers each message before reading the next would otherwise stall.
                    var reading = ReadAllAsync(call.ResponseStream, responses, cancellationToken);
                    await WriteAllAsync(call.RequestStream, requests).ConfigureAwait(false);
                    await reading.ConfigureAwait(false);
                    break;
                }
            }
            return new ReplayOutcome(clock.Elapsed.TotalMilliseconds, false, false, "OK", responses);
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = clock.Elapsed.TotalMilliseconds;
            // A status made up by the client (the server was never reached or the connection broke) carries the exception behind it.
            var failedToSend = exception.Status.DebugException is not null && exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal;
            var status = exception.StatusCode.ToString().ToUpperInvariant() + (exception.Status.Detail.Length > 0 ? ": " + exception.Status.Detail : "");
            return new ReplayOutcome(elapsed, exception.StatusCode != StatusCode.OK, failedToSend, status, responses);
        }
    }

    private static (string Service, string Method) SplitPath(CapturedExchange exchange)
    {
        var path = exchange.Path.Length > 0 ? exchange.Path : "/" + exchange.ApiName;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }
        var slash = path.LastIndexOf('/');
        if (slash <= 1 || slash == path.Length - 1)
        {
            throw new CliUsageException($"exchange {exchange.CaptureId}: '{path}' is not a gRPC path (/package.Service/Method)");
        }
        return (path[1..slash], path[(slash + 1)..]);
    }

    private static async Task ReadAllAsync(IAsyncStreamReader<byte[]> reader, List<byte[]> into, CancellationToken cancellationToken)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            into.Add(reader.Current);
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<byte[]> writer, List<byte[]> messages)
    {
        foreach (var message in messages)
        {
            await writer.WriteAsync(message).ConfigureAwait(false);
        }
        await writer.CompleteAsync().ConfigureAwait(false);
    }
}
