using System.Diagnostics;
using Experiments.Contracts.V1;
using Experiments.Sdk.Evaluation;

namespace Experiments.Sdk.Http;

/// <summary>
/// Records the calls an HttpClient makes to a dependency while the app serves a unit, as that unit's outbound requests
/// (<c>AddHttpClient(…).AddExperimentsTelemetry("broker")</c>): API name <c>"{dependency} {METHOD} {route template}"</c>,
/// latency until the response headers arrived, HTTP status, error (a 5xx status, or no response at all: recorded as 503
/// when the dependency could not be reached, 504 when the call timed out). A call its caller cancelled is recorded as 499,
/// not an error. gRPC calls through the same client are left to the SDK's gRPC client interceptor; calls made outside any
/// served unit are counted, not recorded: they belong to no arm.
/// </summary>
internal sealed class ExperimentsHttpHandler(ExperimentsRuntime runtime, string dependency, DependencyRoutes routes) : DelegatingHandler
{
    private const int Unreachable = 503;
    private const int TimedOut = 504;
    private const int CallerCancelled = 499;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!runtime.TelemetryEnabled || IsGrpc(request))
        {
            return base.SendAsync(request, cancellationToken);
        }
        var unit = ExperimentsContext.Current;
        if (unit.IsNone)
        {
            runtime.CountUnattributed();
            return base.SendAsync(request, cancellationToken);
        }
        return ObserveAsync(request, unit, cancellationToken);
    }

    private async Task<HttpResponseMessage> ObserveAsync(HttpRequestMessage request, ServedUnit unit, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Failed(request, unit, start, exception, cancellationToken))
        {
            throw;
        }
        var status = (int)response.StatusCode;
        Record(request, unit, start, status, status >= 500);
        return response;
    }

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Failed(HttpRequestMessage request, in ServedUnit unit, long start, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            Record(request, unit, start, CallerCancelled, error: false);
        }
        else
        {
            Record(request, unit, start, exception is OperationCanceledException ? TimedOut : Unreachable, error: true);
        }
        return false;
    }

    private void Record(HttpRequestMessage request, in ServedUnit unit, long start, int status, bool error) =>
        runtime.Record(unit, routes.NameOf(request.Method, request.RequestUri), "", dependency, RequestMeasure.Call, Stopwatch.GetTimestamp() - start, status, error);

    private static bool IsGrpc(HttpRequestMessage request) =>
        request.Content is { } content && content.Headers.ContentType?.MediaType is { } type
        && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
