using System.Globalization;
using System.Text.Json;
using Dapr.Client;
using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Dapr;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Dapr mode: <see cref="DaprClient.BulkPublishEventAsync{TValue}"/> through the sidecar, each partition to its own
/// topic (<see cref="DaprTopics.ForPartition"/>), so the broker delivers a partition to the statistics replica that
/// subscribes to it. Each entry is a ForwardRequest holding one logged event in protobuf JSON: bulk publish gives an
/// entry no CloudEvent id of ours, so the id travels inside it (log id and position; the event's own event_id too).
/// Failed entries are published again with back-off until they pass; a call the sidecar refuses fails the session.
/// </summary>
internal sealed class DaprBulkPublishTarget(DaprClient dapr, DaprSidecarReadiness sidecar, IOptions<ForwardingOptions> options, ILogger<DaprBulkPublishTarget> logger)
    : IForwardTarget
{
    private readonly ForwardingOptions _options = options.Value;
    private readonly DaprClient _dapr = dapr;
    private readonly DaprSidecarReadiness _sidecar = sidecar;
    private readonly ILogger _logger = logger;

    public string Name => "dapr pub/sub " + _options.Dapr.PubSubName + "/" + _options.Dapr.Topic;

    // The broker routes each partition's topic to its subscriber; this one target publishes them all.
    public IReadOnlyList<int> Partitions { get; } = [.. Enumerable.Range(0, options.Value.PartitionCount)];

    public IForwardSession CreateSession(string logId, int partitionCount, Action<int, long> confirmed) =>
        new Session(this, logId, partitionCount, confirmed);

    private sealed class Session(DaprBulkPublishTarget target, string logId, int partitionCount, Action<int, long> confirmed) : IForwardSession
    {
        private readonly TaskCompletionSource _never = new();

        public Task Completion => _never.Task;

        // A publish is confirmed by the sidecar's answer; there is nothing to resume from on the far side.
        public async Task<long> OpenAsync(CancellationToken cancellationToken)
        {
            await target._sidecar.WaitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        public async Task SendAsync(int partition, IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
        {
            var topic = DaprTopics.ForPartition(target._options.Dapr.Topic, partition, partitionCount);
            var pending = events.ToList();
            var backoff = target._options.InitialBackoff;
            while (true)
            {
                var entries = pending.Select(e => Entry(partition, e)).ToList();
                var response = await target._dapr.BulkPublishEventAsync(target._options.Dapr.PubSubName, topic, entries, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (response.FailedEntries.Count == 0)
                {
                    break;
                }
                // The SDK numbers the entries of a call 0, 1, … in the order given.
                var failed = response.FailedEntries.Select(f => int.Parse(f.Entry.EntryId, CultureInfo.InvariantCulture)).ToHashSet();
                LogMessages.PublishPartiallyFailed(target._logger, target.Name, failed.Count, pending.Count, response.FailedEntries[0].ErrorMessage, backoff);
                pending = [.. pending.Where((_, i) => failed.Contains(i))];
                await Task.Delay(Backoff.Jitter(backoff), cancellationToken).ConfigureAwait(false);
                backoff = Backoff.Next(backoff, target._options.MaxBackoff);
            }
            confirmed(partition, events[^1].Position);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private JsonElement Entry(int partition, LoggedEvent logged)
        {
            var data = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
            data.Events.Add(logged);
            using var document = JsonDocument.Parse(JsonFormatter.Default.Format(data));
            return document.RootElement.Clone();
        }
    }
}
