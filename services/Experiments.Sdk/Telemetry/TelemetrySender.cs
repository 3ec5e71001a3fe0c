using System.Diagnostics;
using System.Globalization;
using Experiments.Contracts.V1;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Telemetry;

/// <summary>
/// Drains <see cref="TelemetryBuffer"/> in batches over one long-lived IngestStream call, one batch in flight,
/// each acknowledged by its sequence. A batch that fails is resent (same event ids: ingestion deduplicates) after
/// exponential back-off, or after the server's <c>grpc-retry-pushback-ms</c> when it answers RESOURCE_EXHAUSTED;
/// meanwhile new events wait in the buffer, and overflow is dropped and counted there. Statuses that a retry
/// cannot fix (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, ...) drop the batch and count it.
/// Event times come from the registered <see cref="TimeProvider"/> (the system clock unless the app registers
/// another, as the trading demo does for its simulated days), read once per batch.
/// </summary>
internal sealed class TelemetrySender(
    TelemetryBuffer buffer,
    ExperimentsMetrics metrics,
    ExperimentsChannels channels,
    IOptions<ExperimentsOptions> options,
    TimeProvider time,
    ILogger<TelemetrySender> logger) : BackgroundService
{
    private const string PushbackTrailer = "grpc-retry-pushback-ms";
    private static readonly double MillisecondsPerTimestamp = 1000.0 / Stopwatch.Frequency;

    private readonly ExperimentsOptions _options = options.Value;
    private readonly Metadata _headers = ExperimentsChannels.Headers(options.Value.IngestionKey);
    private Contracts.V1.Ingestion.IngestionClient? _client;
    private AsyncDuplexStreamingCall<EventBatch, IngestResponse>? _call;
    private CancellationTokenSource? _callCancellation;
    private long _sequence;

    /// <summary>Waits before a resend; tests observe the delays asked for here instead of the clock.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = static (delay, cancellationToken) => Task.Delay(delay, cancellationToken);

    /// <summary>Batches resent after a failure (for tests and diagnostics).</summary>
    public long Retries => Volatile.Read(ref _retries);

    private long _retries;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_options.IngestionAddress))
        {
            SdkLog.NoIngestionAddress(logger);
            return;
        }
        _client = new Contracts.V1.Ingestion.IngestionClient(channels.For(_options.IngestionAddress));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    using var linger = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    linger.CancelAfter(_options.FlushInterval);
                    await buffer.WaitForBatchAsync(linger.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The flush interval passed: send what there is.
                }
                while (TakeBatch() is { } batch)
                {
                    await DeliverAsync(batch, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && stoppingToken.IsCancellationRequested)
        {
            // The host is stopping with a batch in flight: a normal end, not a failure of the sender.
        }
        finally
        {
            await CloseCallAsync().ConfigureAwait(false);
            var left = 0L;
            while (buffer.TryDequeue(out _))
            {
                left++;
            }
            if (left > 0)
            {
                metrics.AddShutdown(left);
            }
        }
    }

    /// <summary>Up to MaxBatchSize events from the buffer as a batch with the next sequence, or null when empty.</summary>
    internal EventBatch? TakeBatch()
    {
        EventBatch? batch = null;
        // Events carry Stopwatch timestamps; one reading of both clocks dates the whole batch.
        var clock = new EventClock(time.GetUtcNow().UtcDateTime, Stopwatch.GetTimestamp());
        while (batch is null || batch.Events.Count < _options.MaxBatchSize)
        {
            if (!buffer.TryDequeue(out var item))
            {
                break;
            }
            batch ??= new EventBatch { Sequence = ++_sequence, Source = _options.Source };
            batch.Events.Add(ToEvent(item, clock));
        }
        return batch;
    }

    private async Task DeliverAsync(EventBatch batch, CancellationToken stoppingToken)
    {
        var delay = _options.RetryDelay;
        while (true)
        {
            RpcException? failure;
            try
            {
                var response = await SendAsync(batch, stoppingToken).ConfigureAwait(false);
                metrics.AddSent(response.AcceptedCount + response.DuplicateCount);
                if (response.RejectedCount > 0)
                {
                    metrics.AddRejected(response.RejectedCount);
                    SdkLog.EventsRejected(logger, response.RejectedCount, response.Rejections.Count > 0 ? response.Rejections[0].Message : "");
                }
                return;
            }
            catch (RpcException exception) when (!stoppingToken.IsCancellationRequested)
            {
                failure = exception;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested && exception is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
            {
                failure = new RpcException(new Status(StatusCode.Unavailable, exception.Message));
            }
            await CloseCallAsync().ConfigureAwait(false);
            if (!Retryable(failure.StatusCode))
            {
                metrics.AddSendFailed(batch.Events.Count);
                SdkLog.BatchDropped(logger, batch.Events.Count, failure.StatusCode, failure.Status.Detail);
                // The next batch would most likely fail the same way (a bad key): do not hammer the server.
                await Delay(Backoff.Jittered(_options.MaxRetryDelay), stoppingToken).ConfigureAwait(false);
                return;
            }
            var wait = Backoff.Jittered(delay);
            if (failure.StatusCode == StatusCode.ResourceExhausted && Pushback(failure.Trailers) is { } pushback)
            {
                if (pushback < TimeSpan.Zero)
                {
                    // The server asked not to retry.
                    metrics.AddSendFailed(batch.Events.Count);
                    SdkLog.BatchDropped(logger, batch.Events.Count, failure.StatusCode, failure.Status.Detail);
                    return;
                }
                wait = pushback;
            }
            Interlocked.Increment(ref _retries);
            SdkLog.BatchRetrying(logger, batch.Events.Count, failure.StatusCode, wait.TotalMilliseconds);
            await Delay(wait, stoppingToken).ConfigureAwait(false);
            delay = Backoff.Next(delay, _options.MaxRetryDelay);
        }
    }

    private async Task<IngestResponse> SendAsync(EventBatch batch, CancellationToken stoppingToken)
    {
        if (_call is null)
        {
            _callCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _call = _client!.IngestStream(new CallOptions(_headers, cancellationToken: _callCancellation.Token));
        }
        var call = _call;
        using var acknowledgement = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        acknowledgement.CancelAfter(_options.AcknowledgementTimeout);
        try
        {
            await call.RequestStream.WriteAsync(batch).WaitAsync(acknowledgement.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or InvalidOperationException or IOException
            || (exception is OperationCanceledException && !acknowledgement.IsCancellationRequested))
        {
            // The server ended the call while this write was on its way. The write only says the stream is gone
            // ("the call is complete", CANCELLED, a reset); the response stream carries the status and trailers that
            // say why, e.g. RESOURCE_EXHAUSTED with a pushback to honour.
            if (await EndStatusAsync(call, acknowledgement.Token).ConfigureAwait(false) is { } ended)
            {
                throw ended;
            }
            throw;
        }
        while (await call.ResponseStream.MoveNext(acknowledgement.Token).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.BatchSequence == batch.Sequence)
            {
                return response;
            }
        }
        // The server ended the call: its status says why.
        throw EndedWith(call)!;
    }

    /// <summary>Reads the response stream to its end for the status the server ended the call with; null if none came.</summary>
    private static async Task<RpcException?> EndStatusAsync(AsyncDuplexStreamingCall<EventBatch, IngestResponse> call, CancellationToken cancellationToken)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
            }
            return EndedWith(call);
        }
        catch (RpcException ended) when (ended.StatusCode != StatusCode.Cancelled)
        {
            return ended;
        }
        catch (Exception exception) when (exception is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            return EndedWith(call);
        }
    }

    /// <summary>
    /// The status the call ended with, as an exception (OK too is a failure here: the batch was not acknowledged); null
    /// while it has not ended.
    /// </summary>
    private static RpcException? EndedWith(AsyncDuplexStreamingCall<EventBatch, IngestResponse> call)
    {
        try
        {
            var status = call.GetStatus();
            return new RpcException(
                status.StatusCode == StatusCode.OK ? new Status(StatusCode.Unavailable, "ingestion ended the stream before acknowledging the batch") : status,
                call.GetTrailers());
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private async Task CloseCallAsync()
    {
        if (_call is null)
        {
            return;
        }
        try
        {
            await _callCancellation!.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _call.Dispose();
            _callCancellation!.Dispose();
            _call = null;
            _callCancellation = null;
        }
    }

    /// <summary>The server's pushback: a delay, negative for "do not retry", or null when it sent none.</summary>
    internal static TimeSpan? Pushback(Metadata trailers)
    {
        var value = trailers.GetValue(PushbackTrailer);
        if (value is null)
        {
            return null;
        }
        // gRPC's retry design: a non-negative integer is the delay in ms; anything else means do not retry.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : TimeSpan.FromMilliseconds(-1);
    }

    private static bool Retryable(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled;

    private static Event ToEvent(in TelemetryEvent item, EventClock clock)
    {
        var result = new Event
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventTime = Timestamp.FromDateTime(clock.ToUtc(item.Timestamp)),
            UserId = item.UserId ?? "",
            SessionId = item.SessionId ?? "",
            RequestId = item.RequestId ?? "",
        };
        if (item.Kind == TelemetryKind.Exposure)
        {
            var definition = item.Experiment!.Definition;
            result.Exposure = new ExposureEvent
            {
                FlagKey = definition.FlagKey,
                ExperimentId = definition.Id,
                VariantKey = item.Experiment.VariantKeys[item.VariantIndex],
                ExperimentRevision = definition.Revision,
            };
        }
        else if (item.Kind == TelemetryKind.Metric)
        {
            result.CustomMetric = new CustomMetricEvent { MetricName = item.ApiName ?? "", Value = item.Value };
        }
        else
        {
            result.Request = new RequestEvent
            {
                ApiName = item.ApiName ?? "",
                LatencyMs = item.ElapsedTimestamp * MillisecondsPerTimestamp,
                StatusCode = item.StatusCode,
                Error = item.Error,
                ClientId = item.ClientId ?? "",
                Dependency = item.Dependency ?? "",
                Measure = item.Measure,
            };
        }
        return result;
    }

    /// <summary>A simultaneous reading of the wall clock and the Stopwatch, to turn Stopwatch timestamps into UTC times.</summary>
    private readonly record struct EventClock(DateTime UtcNow, long Timestamp)
    {
        public DateTime ToUtc(long timestamp) => UtcNow - Stopwatch.GetElapsedTime(timestamp, Timestamp);
    }
}
