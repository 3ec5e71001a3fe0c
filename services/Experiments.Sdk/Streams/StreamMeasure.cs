using System.Diagnostics;
using Experiments.Contracts.V1;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Grpc;
using Grpc.Core;

namespace Experiments.Sdk.Streams;

/// <summary>
/// Measures one stream of a served unit as its messages are delivered (written by a server, read by a client): the time
/// to its first message, each message's staleness when a source time is registered for its type, and — when it ends —
/// its whole duration, status and message count.
/// </summary>
internal sealed class StreamMeasure<TMessage>(
    ExperimentsRuntime runtime, ServedUnit unit, CallNames names, string clientId, string? dependency, long start, Func<TMessage, DateTimeOffset>? sourceTime)
{
    private long _messages;
    private int _ended;

    public void OnMessage(TMessage message)
    {
        if (++_messages == 1)
        {
            runtime.Record(unit, names.FirstMessage, clientId, dependency, RequestMeasure.FirstMessage, Stopwatch.GetTimestamp() - start, 0, error: false);
        }
        if (sourceTime is not null && StalenessOf(message) is { } staleness)
        {
            runtime.Record(unit, names.Staleness, clientId, dependency, RequestMeasure.Staleness, staleness, 0, error: false);
        }
    }

    /// <summary>Records the whole stream, once, however many ways its end is seen.</summary>
    public void End(StatusCode status)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        runtime.Record(unit, names.Call, clientId, dependency, RequestMeasure.Call, Stopwatch.GetTimestamp() - start, (int)status, GrpcErrors.IsError(status));
        runtime.RecordMetric(unit, names.Messages, _messages);
    }

    /// <summary>
    /// From the message's source time to now on the staleness clock, in Stopwatch ticks; a source time ahead of the clock
    /// (skew between the two clocks) counts as fresh. Null when the app's selector fails: measuring never fails a call.
    /// </summary>
    private long? StalenessOf(TMessage message)
    {
        DateTimeOffset source;
        try
        {
            source = sourceTime!(message);
        }
#pragma warning disable CA1031 // The app's selector must not break the stream it measures.
        catch (Exception)
#pragma warning restore CA1031
        {
            runtime.CountUnmeasurable();
            return null;
        }
        var delay = runtime.StalenessClock.GetUtcNow() - source;
        return delay <= TimeSpan.Zero ? 0 : (long)(delay.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
    }
}
