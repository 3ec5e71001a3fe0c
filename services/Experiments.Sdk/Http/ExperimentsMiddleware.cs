using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk.Http;

/// <summary>
/// Per HTTP request: reads the unit's ids, serves that unit on the request's flow (so variant services and
/// IVariantFeatureManager evaluate for it), and records the request — API name, latency (Stopwatch ticks), status,
/// error, client id — into the telemetry buffer. gRPC calls are left to the SDK's gRPC interceptor. Exceptions
/// are recorded (status 500, error) and rethrown, never swallowed.
/// </summary>
internal sealed class ExperimentsMiddleware(RequestDelegate next, ExperimentsRuntime runtime, ApiNames apiNames)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (IsGrpc(context.Request.ContentType))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        var unit = runtime.UnitFor(context);
        if (unit is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        ExperimentsContext.Current = unit;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception) when (Record(context, unit, start, StatusCodes.Status500InternalServerError, error: true))
        {
            throw;
        }
        var status = context.Response.StatusCode;
        Record(context, unit, start, status, status >= StatusCodes.Status500InternalServerError);
    }

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Record(HttpContext context, Assignment.Evaluation.UnitContext unit, long start, int status, bool error)
    {
        if (runtime.TelemetryEnabled)
        {
            runtime.RecordRequest(unit, apiNames.For(context), runtime.ClientFor(context), start, status, error);
        }
        return false;
    }

    private static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
