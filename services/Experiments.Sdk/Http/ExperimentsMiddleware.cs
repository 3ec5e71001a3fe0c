using System.Diagnostics;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Evaluation;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk.Http;

/// <summary>
/// Per HTTP request: reads the unit's ids (and groups and attributes, when configured), serves that unit to the
/// rest of the request (so variant services and IVariantFeatureManager evaluate for it), and records the request —
/// API name, latency (Stopwatch ticks), status, error, client id — into the telemetry buffer. gRPC calls are left
/// to the SDK's gRPC interceptor. Exceptions are recorded (status 500, error) and rethrown, never swallowed. A request
/// sampled for capture is recorded whole (Experiments:Capture); a verified replay is served its forced variants and not recorded.
/// </summary>
internal sealed class ExperimentsMiddleware(RequestDelegate next, ExperimentsRuntime runtime, ApiNames apiNames, CallScopes scopes)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (IsGrpc(context.Request.ContentType))
        {
            return next(context);
        }
        return scopes.ForHttp(context) is { } scope ? HttpCapture.RunAsync(context, scope, ServeAsync) : ServeAsync(context);
    }

    private async Task ServeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var value = runtime.UnitFor(context);
        CallScope.Current?.Capture?.SetUnit(value);
        if (value is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        // Served until this method ends: on the flow (which the method puts back) or in the request's slot.
        var slot = ExperimentsContext.Serve(context, value);
        var unit = new ServedUnit(value);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception) when (Record(context, unit, start, StatusCodes.Status500InternalServerError, error: true))
        {
            throw;
        }
        finally
        {
            slot?.Value = null;
        }
        var status = context.Response.StatusCode;
        Record(context, unit, start, status, status >= StatusCodes.Status500InternalServerError);
    }

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Record(HttpContext context, in ServedUnit unit, long start, int status, bool error)
    {
        if (runtime.TelemetryEnabled && !CallScope.IsReplaying)
        {
            runtime.RecordRequest(unit, apiNames.For(context), runtime.ClientFor(context), start, status, error);
        }
        return false;
    }

    private static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
