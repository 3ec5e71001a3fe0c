using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Experiments.Bench.Grpc;

/// <summary>
/// Counts, per bench path, the calls that ended with HTTP 200 and grpc-status 0 and those that did not.
/// h2load counts any HTTP 200 as a success; these counters are how the runner proves each one was a gRPC success.
/// </summary>
internal sealed class GrpcStatusCounters
{
    private readonly FrozenDictionary<string, Counter> _counters;

    public GrpcStatusCounters(IEnumerable<string> paths) =>
        _counters = paths.ToFrozenDictionary(path => path, _ => new Counter(), StringComparer.Ordinal);

    /// <summary>
    /// Middleware that records every call to a bench path. It costs both endpoints the same few nanoseconds and
    /// stays synchronous when the endpoint completes synchronously.
    /// </summary>
    public RequestDelegate Middleware(RequestDelegate next) => http =>
    {
        if (!_counters.TryGetValue(http.Request.Path.Value ?? "", out var counter))
        {
            return next(http);
        }
        var call = next(http);
        if (call.IsCompletedSuccessfully)
        {
            counter.Record(http);
            return Task.CompletedTask;
        }
        return RecordWhenDoneAsync(call, http, counter);
    };

    public IEnumerable<(string Path, CallCounts Calls)> Snapshot() =>
        _counters.Select(entry => (entry.Key, new CallCounts(Volatile.Read(ref entry.Value.Ok), Volatile.Read(ref entry.Value.Failed))));

    private static async Task RecordWhenDoneAsync(Task call, HttpContext http, Counter counter)
    {
        try
        {
            await call;
        }
        catch
        {
            counter.Record(http, threw: true);
            throw;
        }
        counter.Record(http);
    }

    private static bool IsGrpcSuccess(HttpContext http)
    {
        var response = http.Response;
        if (response.StatusCode != StatusCodes.Status200OK)
        {
            return false;
        }
        // A status travels in trailers after messages, or alone in the headers (Trailers-Only).
        var trailers = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var status = trailers?[GrpcFrames.StatusHeader] ?? default;
        if (status.Count == 0)
        {
            status = response.Headers[GrpcFrames.StatusHeader];
        }
        return status.Count == 1 && status[0] == "0";
    }

    private sealed class Counter
    {
        public long Ok;
        public long Failed;

        public void Record(HttpContext http, bool threw = false)
        {
            if (!threw && IsGrpcSuccess(http))
            {
                Interlocked.Increment(ref Ok);
            }
            else
            {
                Interlocked.Increment(ref Failed);
            }
        }
    }
}
