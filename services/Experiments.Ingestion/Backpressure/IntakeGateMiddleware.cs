using System.Globalization;
using Experiments.Ingestion.Intake;
using Experiments.Ingestion.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Backpressure;

/// <summary>
/// Takes an <see cref="IntakeGate"/> slot for a unary IngestBatch call before grpc-dotnet reads its message — a gRPC
/// interceptor would run only after the whole message sits in memory. Without a free slot, the call
/// ends as gRPC does for a status without a message (trailers only): RESOURCE_EXHAUSTED with grpc-retry-pushback-ms.
/// </summary>
internal sealed class IntakeGateMiddleware(RequestDelegate next, IntakeGate gate, IOptions<IntakeOptions> options)
{
    public const string GatedPath = "/experiments.v1.Ingestion/IngestBatch";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.Equals(GatedPath, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        if (!gate.TryEnter())
        {
            var retry = Math.Max(1, (long)options.Value.GateRetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "8";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(
                $"Ingestion holds {options.Value.MaxBatchesInFlight} batches in flight, its limit (Ingestion:Intake:MaxBatchesInFlight). Retry in {retry} ms.");
            context.Response.Headers[IngestionErrors.PushbackTrailer] = retry;
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            gate.Exit();
        }
    }
}
