using System.Threading.Channels;
using Experiments.Assignment.Evaluation;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Exposures;

/// <summary>
/// Bounded buffer between Assign and the background sender. <see cref="Offer"/> never waits: when the buffer is
/// full the exposure is dropped and counted, so a slow or absent ingestion service cannot slow assignment down.
/// </summary>
public sealed class ExposureBuffer
{
    private readonly Channel<Event> _channel;
    private readonly ExposureMetrics _metrics;
    private readonly TimeProvider _time;

    public ExposureBuffer(IOptions<ExposureOptions> options, ExposureMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
        Enabled = !string.IsNullOrEmpty(options.Value.IngestionAddress) || !string.IsNullOrEmpty(options.Value.DaprAppId);
        _channel = Channel.CreateBounded<Event>(new BoundedChannelOptions(Math.Max(1, options.Value.BufferCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>False when no ingestion address is configured: exposures are then not produced at all.</summary>
    public bool Enabled { get; }

    public ChannelReader<Event> Reader => _channel.Reader;

    public void Offer(UnitContext unit, in AssignmentDecision decision)
    {
        if (!Enabled || decision.Experiment is null)
        {
            return;
        }
        var definition = decision.Experiment.Definition;
        var exposure = new Event
        {
            EventId = Guid.CreateVersion7().ToString(),
            EventTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            Exposure = new ExposureEvent
            {
                FlagKey = definition.FlagKey,
                ExperimentId = definition.Id,
                VariantKey = decision.VariantKey,
                ExperimentRevision = definition.Revision,
            },
        };
        if (!_channel.Writer.TryWrite(exposure))
        {
            _metrics.Dropped(1, "buffer_full");
        }
    }

    public void Complete() => _channel.Writer.TryComplete();
}
