using System.Globalization;
using Grpc.Core;
using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Log;

namespace Experiments.Ingestion.Rpc;

/// <summary>
/// The one place where the service's domain errors become gRPC statuses. Refusals that a client should
/// retry later carry <c>grpc-retry-pushback-ms</c> (gRPC's retry advice) in the trailers.
/// </summary>
internal static class IngestionErrors
{
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>The status for a domain exception, or null when it is not one.</summary>
    public static RpcException? ToRpcException(Exception exception) => exception switch
    {
        BatchTooLargeException e => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message)),
        RateLimitedException e => WithPushback(e.Message, e.RetryAfter),
        LogOverloadedException e => WithPushback(e.Message, e.RetryAfter),
        LogFullException e => WithPushback(e.Message, e.RetryAfter),
        LogUnavailableException e => new RpcException(new Status(StatusCode.Unavailable,
            e.Message + " Nothing of the batch was acknowledged; resend it (duplicates are recognised by event id).")),
        _ => null,
    };

    private static RpcException WithPushback(string message, TimeSpan retryAfter)
    {
        var milliseconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        var trailers = new Metadata { { PushbackTrailer, milliseconds.ToString(CultureInfo.InvariantCulture) } };
        return new RpcException(new Status(StatusCode.ResourceExhausted, $"{message} Retry in {milliseconds} ms."), trailers);
    }
}
