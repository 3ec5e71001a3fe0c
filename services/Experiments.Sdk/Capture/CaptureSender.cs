using Experiments.Contracts.V1;
using Experiments.Sdk.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Sends captured exchanges to ingestion's <c>Captures.RecordCaptures</c> (ingest key, the SDK's ingestion channel) in
/// batches bounded in count and bytes, one batch in flight. A batch that fails is resent after exponential back-off (or
/// the server's <c>grpc-retry-pushback-ms</c>), while new exchanges wait in the buffer and past its budget are dropped;
/// statuses a retry cannot fix drop the batch and count it. Exchanges left at shutdown are counted.
/// </summary>
internal sealed class CaptureSender(
    CaptureBuffer buffer,
    ExperimentsMetrics metrics,
    ExperimentsChannels channels,
    IOptions<ExperimentsOptions> options,
    ILogger<CaptureSender> logger) : BackgroundService
{
    private readonly ExperimentsOptions _options = options.Value;
    private readonly Metadata _headers = ExperimentsChannels.Headers(options.Value.IngestionKey);

    /// <summary>Waits before a resend or between batches; tests observe the delays asked for here.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = static (delay, cancellationToken) => Task.Delay(delay, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Capture.Enabled)
        {
            return;
        }
        if (string.IsNullOrEmpty(_options.IngestionAddress))
        {
            SdkLog.CaptureWithoutIngestion(logger);
            return;
        }
        var client = new Captures.CapturesClient(channels.For(_options.IngestionAddress));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await buffer.WaitAsync(stoppingToken).ConfigureAwait(false);
                if (buffer.Count < _options.Capture.MaxBatchSize)
                {
                    // Let a batch gather: captures are not urgent, calls to ingestion are.
                    await Delay(_options.Capture.FlushInterval, stoppingToken).ConfigureAwait(false);
                }
                while (TakeBatch(out var bytes) is { } batch)
                {
                    try
                    {
                        await DeliverAsync(client, batch, stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        buffer.Release(bytes);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Cancelled && stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            var left = 0L;
            while (buffer.TryDequeue(out _, out var size))
            {
                buffer.Release(size);
                left++;
            }
            if (left > 0)
            {
                metrics.AddCaptureDropped(CaptureDrop.Shutdown, left);
            }
        }
    }

    /// <summary>The next batch (at least one exchange, then up to the batch's count and byte limits), or null when none waits.</summary>
    internal RecordCapturesRequest? TakeBatch(out long bytes)
    {
        bytes = 0;
        RecordCapturesRequest? batch = null;
        while (batch is null || (batch.Exchanges.Count < _options.Capture.MaxBatchSize && buffer.PeekSize() is var next && next >= 0 && bytes + next <= _options.Capture.MaxBatchBytes))
        {
            if (!buffer.TryDequeue(out var exchange, out var size))
            {
                break;
            }
            batch ??= new RecordCapturesRequest();
            batch.Exchanges.Add(exchange);
            bytes += size;
        }
        return batch;
    }

    private async Task DeliverAsync(Captures.CapturesClient client, RecordCapturesRequest batch, CancellationToken stoppingToken)
    {
        var delay = _options.RetryDelay;
        var count = batch.Exchanges.Count;
        while (true)
        {
            RpcException failure;
            try
            {
                var response = await client.RecordCapturesAsync(batch, new CallOptions(_headers, DateTime.UtcNow + _options.AcknowledgementTimeout, stoppingToken)).ConfigureAwait(false);
                metrics.AddCapturesSent(response.AcceptedCount + response.DuplicateCount);
                if (response.RejectedCount > 0)
                {
                    metrics.AddCaptureDropped(CaptureDrop.Rejected, response.RejectedCount);
                    var first = response.Rejections.FirstOrDefault();
                    SdkLog.CapturesRejected(logger, response.RejectedCount, first?.Field ?? "", first?.Message ?? "");
                }
                return;
            }
            catch (RpcException exception) when (!stoppingToken.IsCancellationRequested)
            {
                failure = exception;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested && exception is HttpRequestException or IOException or InvalidOperationException)
            {
                failure = new RpcException(new Status(StatusCode.Unavailable, exception.Message));
            }
            var wait = Backoff.Jittered(delay);
            var pushback = TelemetrySender.Pushback(failure.Trailers);
            var retryable = failure.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.Internal
                or StatusCode.Unknown or StatusCode.Cancelled
                || (failure.StatusCode == StatusCode.ResourceExhausted && pushback >= TimeSpan.Zero);
            if (!retryable)
            {
                metrics.AddCaptureDropped(CaptureDrop.SendFailed, count);
                SdkLog.CapturesDropped(logger, count, failure.StatusCode, failure.Status.Detail);
                // The next batch would most likely fail the same way (a bad key, no Captures service): do not hammer the server.
                await Delay(Backoff.Jittered(_options.MaxRetryDelay), stoppingToken).ConfigureAwait(false);
                return;
            }
            if (pushback is { } asked && asked >= TimeSpan.Zero)
            {
                wait = asked;
            }
            SdkLog.CapturesRetrying(logger, count, failure.StatusCode, wait.TotalMilliseconds);
            await Delay(wait, stoppingToken).ConfigureAwait(false);
            delay = Backoff.Next(delay, _options.MaxRetryDelay);
        }
    }
}
