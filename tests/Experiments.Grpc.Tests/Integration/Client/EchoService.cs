using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>The server side of experiments.testing.v1.EchoService, for the client tests.</summary>
public sealed class EchoService(ServerCallObserver observer)
{
    private const string EchoedMetadataKey = "echoed-metadata";

    public async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        await BeginAsync(request, context);
        return Reply(request, request.Message, context);
    }

    public async Task<EchoResponse> CollectEcho(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var messages = new List<string>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await BeginAsync(requestStream.Current, context);
            messages.Add(requestStream.Current.Message);
        }
        return new EchoResponse { Message = string.Join(",", messages), RequestEncoding = RequestEncoding(context) };
    }

    public async Task ExpandEcho(EchoRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        await EchoMetadataAsync(request, context);
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(Reply(request, $"{request.Message} {i}", context));
        }
        await DelayAsync(request, context);
        ThrowIfErrorRequested(request);
    }

    public async Task StreamEcho(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await BeginAsync(requestStream.Current, context);
            await responseStream.WriteAsync(Reply(requestStream.Current, requestStream.Current.Message, context));
        }
    }

    private async Task BeginAsync(EchoRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(request, context);
        await DelayAsync(request, context);
        ThrowIfErrorRequested(request);
    }

    private static async Task EchoMetadataAsync(EchoRequest request, ServerCallContext context)
    {
        if (!request.EchoMetadata || !context.UserState.TryAdd(EchoedMetadataKey, true))
        {
            return;
        }
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("x-", StringComparison.Ordinal))
            {
                headers.Add(entry);
                context.ResponseTrailers.Add(entry);
            }
        }
        await context.WriteResponseHeadersAsync(headers);
    }

    private async Task DelayAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs <= 0)
        {
            return;
        }
        observer.ReportWaiting(request.Message);
        try
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            observer.ReportCancelled(request.Message);
            throw;
        }
    }

    private static void ThrowIfErrorRequested(EchoRequest request)
    {
        if (request.Error is { } error)
        {
            var trailers = new Metadata();
            if (error.RetryPushbackMs > 0)
            {
                trailers.Add("grpc-retry-pushback-ms", error.RetryPushbackMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            throw new RpcException(new Status((StatusCode)error.Code, error.Message), trailers);
        }
    }

    private static EchoResponse Reply(EchoRequest request, string message, ServerCallContext context) => new()
    {
        Message = message,
        Padding = ByteString.CopyFrom(new byte[request.ResponseSize]),
        RequestEncoding = RequestEncoding(context),
    };

    private static string RequestEncoding(ServerCallContext context) =>
        context.HttpContext.Request.Headers["grpc-encoding"].ToString();
}
