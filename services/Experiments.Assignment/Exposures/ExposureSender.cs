using Experiments.Contracts.V1;
using Experiments.Grpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Exposures;

/// <summary>
/// Drains <see cref="ExposureBuffer"/> in batches to the ingestion service's IngestBatch. Batches are sent one at
/// a time; a failed one is retried with back-off (ingestion deduplicates by event id, so a retry after a lost
/// acknowledgement is harmless) and then dropped and counted.
/// </summary>
public sealed class ExposureSender(
    ExposureBuffer buffer,
    ExposureMetrics metrics,
    IOptions<ExposureOptions> options,
    ILogger<ExposureSender> logger) : BackgroundService
{
    private readonly ExposureOptions _options = options.Value;
    private long _sequence;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!buffer.Enabled)
        {
            ExposureLog.Disabled(logger);
            return;
        }
        using var channel = GrpcChannel.ForAddress(_options.IngestionAddress!);
        var client = new IngestionClient(channel.CreateCallInvoker());
        var reader = buffer.Reader;
        var batch = new List<Event>(_options.MaxBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                // Give a trickle a moment to become a batch, but never hold events longer than the flush interval.
                using (var linger = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    linger.CancelAfter(_options.FlushInterval);
                    while (batch.Count < _options.MaxBatchSize)
                    {
                        if (reader.TryRead(out var exposure))
                        {
                            batch.Add(exposure);
                            continue;
                        }
                        try
                        {
                            if (!await reader.WaitToReadAsync(linger.Token).ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                }
                await SendAsync(client, batch, stoppingToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still buffered is dropped and counted below.
        }
        var left = batch.Count;
        while (reader.TryRead(out _))
        {
            left++;
        }
        if (left > 0)
        {
            metrics.Dropped(left, "shutdown");
        }
    }

    private async Task SendAsync(IngestionClient client, List<Event> events, CancellationToken stoppingToken)
    {
        var request = new EventBatch { Sequence = ++_sequence, Source = _options.Source };
        request.Events.AddRange(events);
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            headers.Add("authorization", "Bearer " + _options.ApiKey);
        }
        if (!string.IsNullOrEmpty(_options.DaprAppId))
        {
            headers.Add("dapr-app-id", _options.DaprAppId);
        }
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var call = client.IngestBatchAsync(request, new CallOptions(headers, DateTime.UtcNow + _options.CallTimeout, stoppingToken));
                var response = await call.ResponseAsync.ConfigureAwait(false);
                metrics.Sent((int)(response.AcceptedCount + response.DuplicateCount));
                if (response.RejectedCount > 0)
                {
                    metrics.Dropped((int)response.RejectedCount, "rejected");
                    ExposureLog.Rejected(logger, response.RejectedCount, response.Rejections.FirstOrDefault()?.Message ?? "");
                }
                return;
            }
            catch (RpcException exception) when (attempt < _options.MaxAttempts && !stoppingToken.IsCancellationRequested && Retryable(exception.StatusCode))
            {
                ExposureLog.Retrying(logger, events.Count, attempt, exception.StatusCode);
            }
            catch (Exception exception) when (exception is RpcException or HttpRequestException && !stoppingToken.IsCancellationRequested)
            {
                metrics.Dropped(events.Count, "send_failed");
                ExposureLog.Dropped(logger, events.Count, exception.Message);
                return;
            }
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private static bool Retryable(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown;
}
