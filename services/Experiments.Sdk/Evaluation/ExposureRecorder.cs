using System.Diagnostics;
using System.Numerics;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// Records an exposure the first time this process serves a unit an arm of an experiment. "Seen" is a fixed
/// table of 64-bit fingerprints of (unit, experiment revision, arm), one per slot, so memory stays bounded and
/// the check allocates nothing; a unit whose slot was taken by another is exposed again, which ingestion and
/// statistics treat as the same exposure (joined by unit id).
/// </summary>
internal sealed class ExposureRecorder
{
    private readonly long[] _seen;
    private readonly int _mask;
    private readonly TelemetryBuffer _buffer;
    private readonly ExperimentsMetrics _metrics;

    public ExposureRecorder(TelemetryBuffer buffer, ExperimentsMetrics metrics, IOptions<ExperimentsOptions> options)
    {
        _buffer = buffer;
        _metrics = metrics;
        Enabled = !string.IsNullOrEmpty(options.Value.IngestionAddress);
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(options.Value.ExposureMemory, 1024, 1 << 28));
        _seen = Enabled ? new long[size] : [];
        _mask = size - 1;
    }

    public bool Enabled { get; }

    public void Record(ServedFlag flag, in AssignmentDecision decision, in ServedUnit unit)
    {
        if (!Enabled)
        {
            return;
        }
        var experiment = decision.Experiment!;
        var unitId = unit.IdFor(experiment.Definition.Unit);
        // Positions are 53-bit; +1 keeps 0 free to mean "empty slot".
        var fingerprint = (long)UnitHash.Position(flag.ExposureSalts[decision.VariantIndex], unitId) + 1;
        ref var slot = ref _seen[(int)fingerprint & _mask];
        if (Volatile.Read(ref slot) == fingerprint)
        {
            return;
        }
        Volatile.Write(ref slot, fingerprint);
        _metrics.AddExposure();
        _buffer.TryEnqueue(new TelemetryEvent
        {
            Kind = TelemetryKind.Exposure,
            Timestamp = Stopwatch.GetTimestamp(),
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            Experiment = experiment,
            VariantIndex = decision.VariantIndex,
        });
    }
}
