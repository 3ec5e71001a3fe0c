using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Exposures;

/// <summary>
/// Drains <see cref="ExposureBuffer"/> in batches to the ingestion service's IngestBatch. Batches are sent one at
/// a time; the channel's retry policy retries an unavailable or overloaded ingestion with back-off (ingestion
/// deduplicates by event id, so a retry after a lost acknowledgement is harmless); a batch that still fails is
/// dropped and counted.
/// </summary>
public sealed class ExposureSender(
    ExposureBuffer buffer,
    IServiceProvider services,
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
        var client = services.GetRequiredService<Ingestion.IngestionClient>();
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

    private async Task SendAsync(Ingestion.IngestionClient client, List<Event> events, CancellationToken stoppingToken)
    {
        var request = new EventBatch { Sequence = ++_sequence, Source = _options.Source };
        request.Events.AddRange(events);
        try
        {
            var response = await client.IngestBatchAsync(request, deadline: DateTime.UtcNow + _options.CallTimeout, cancellationToken: stoppingToken).ConfigureAwait(false);
            metrics.Sent((int)(response.AcceptedCount + response.DuplicateCount));
            if (response.RejectedCount > 0)
            {
                metrics.Dropped((int)response.RejectedCount, "rejected");
                ExposureLog.Rejected(logger, response.RejectedCount, response.Rejections.FirstOrDefault()?.Message ?? "");
            }
        }
        catch (RpcException exception) when (!stoppingToken.IsCancellationRequested && PeerCredentials.Refused(exception))
        {
            metrics.Dropped(events.Count, "credentials_refused");
            PeerCredentials.LogRefused(logger, "The ingestion service at " + (_options.IngestionAddress is { Length: > 0 } address ? address : "Dapr app id " + _options.DaprAppId), "Exposures:ApiKey", Scopes.Ingest, exception);
        }
        catch (RpcException exception) when (!stoppingToken.IsCancellationRequested)
        {
            metrics.Dropped(events.Count, "send_failed");
            ExposureLog.Dropped(logger, events.Count, exception.Status.Detail);
        }
    }
}
