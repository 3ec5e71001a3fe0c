using Experiments.Contracts.V1;
using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Log;
using Experiments.Ingestion.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Intake;

/// <summary>
/// Takes one batch: refuses it whole when it is too large or its client is over its rate, validates each
/// event, serializes the valid ones and commits them to the log, and says what became of every event.
/// Completes only once the accepted events are durable.
/// </summary>
public sealed class IngestionPipeline(
    EventValidator validator,
    EventLog log,
    ClientRateLimiter rateLimiter,
    IngestionMetrics metrics,
    IOptionsMonitor<IntakeOptions> options,
    ILogger<IngestionPipeline> logger)
{
    public async Task<BatchOutcome> IngestAsync(EventBatch batch, string client)
    {
        var events = batch.Events;
        var limits = options.CurrentValue;
        if (events.Count > limits.MaxBatchEvents)
        {
            Refused(events.Count, client, "batch_too_large");
            throw new BatchTooLargeException($"The batch holds {events.Count} events; at most {limits.MaxBatchEvents} are allowed.");
        }
        try
        {
            rateLimiter.Acquire(client, events.Count);
        }
        catch (RateLimitedException)
        {
            Refused(events.Count, client, "rate_limited");
            throw;
        }

        List<EventRejectionInfo>? rejections = null;
        using var encoded = new EncodedEvents(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (validator.Validate(e, i) is { } rejection)
            {
                (rejections ??= []).Add(rejection);
                metrics.Rejected(ReasonTag(rejection.Reason));
                continue;
            }
            encoded.Add(e, log.HashEventId(e.EventId));
        }

        var result = default(AppendResult);
        if (encoded.Count > 0)
        {
            try
            {
                result = await log.AppendAsync(encoded).ConfigureAwait(false);
            }
            catch (LogOverloadedException)
            {
                Refused(events.Count, client, "overloaded");
                throw;
            }
            catch (LogFullException)
            {
                Refused(events.Count, client, "log_full");
                throw;
            }
            catch (LogUnavailableException)
            {
                Refused(events.Count, client, "log_unavailable");
                throw;
            }
            metrics.Accepted(result.Accepted);
            metrics.Duplicates(result.Duplicates);
        }
        var outcome = new BatchOutcome(batch.Sequence, result.Accepted, result.Duplicates, rejections ?? (IReadOnlyList<EventRejectionInfo>)[]);
        LogMessages.BatchIngested(logger, batch.Sequence, client, outcome.Accepted, outcome.Duplicates, outcome.Rejections.Count);
        return outcome;
    }

    private void Refused(int count, string client, string reason)
    {
        metrics.Dropped(count, reason);
        LogMessages.BatchRefused(logger, count, client, reason);
    }

    private static string ReasonTag(EventRejectionReason reason) => reason switch
    {
        EventRejectionReason.MissingEventId => "missing_event_id",
        EventRejectionReason.MissingUnitId => "missing_unit_id",
        EventRejectionReason.MissingEventTime => "missing_event_time",
        EventRejectionReason.EventTimeOutOfRange => "event_time_out_of_range",
        EventRejectionReason.MissingKind => "missing_kind",
        EventRejectionReason.MissingField => "missing_field",
        EventRejectionReason.InvalidValue => "invalid_value",
        EventRejectionReason.TooLong => "too_long",
        EventRejectionReason.UnknownExperiment => "unknown_experiment",
        _ => "unspecified",
    };
}
