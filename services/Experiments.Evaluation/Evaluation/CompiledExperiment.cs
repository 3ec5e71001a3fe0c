using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// One experiment prepared for the hot path: salts pre-hashed, thresholds as integers, targeting as sets.
/// <see cref="Evaluate"/> allocates nothing and decides exactly what IVariantFeatureManager decides for the
/// FeatureDefinition built from the same definition (proven on a million units in the tests): the enrollment
/// checks are ours (see <see cref="UnitHash"/>); the variant comes from Microsoft.FeatureManagement's percentile
/// allocation, SHA-256 of <c>"{unit}\n{seed}"</c>, reproduced by <see cref="Sha256Prefix"/>.
/// </summary>
public sealed class CompiledExperiment
{
    private readonly TargetingMatcher? _targeting;
    private readonly bool _hasHoldout;
    private readonly ulong _holdoutSalt;
    private readonly ulong _holdoutThreshold;
    private readonly bool _hasLayer;
    private readonly ulong _layerSalt;
    private readonly ulong _segmentStart;
    private readonly ulong _segmentEnd;
    private readonly ulong _rolloutSalt;
    private readonly ulong _rolloutThreshold;
    private readonly byte[] _allocationSuffix;
    private readonly AllocationRanges _ranges;
    private readonly int _notEnrolledIndex;
    private readonly int _notRunningIndex;

    public CompiledExperiment(ExperimentDefinition definition)
    {
        Definition = definition;
        VariantKeys = definition.Variants.Select(v => v.Key).ToArray();
        Payloads = definition.Variants.Select(v => v.Payload).ToArray();
        _targeting = TargetingMatcher.Create(definition.Targeting);
        if (definition.Holdout is { } holdout)
        {
            _hasHoldout = true;
            _holdoutSalt = UnitHash.SaltState(HoldoutSalt(holdout.Name));
            _holdoutThreshold = UnitHash.Threshold(holdout.Percent);
        }
        if (definition.Layer is { } layer)
        {
            _hasLayer = true;
            _layerSalt = UnitHash.SaltState(LayerSalt(layer.Name));
            _segmentStart = UnitHash.Threshold(layer.SegmentStartPercent);
            _segmentEnd = UnitHash.Threshold(layer.SegmentEndPercent());
        }
        _rolloutSalt = UnitHash.SaltState(RolloutSalt(definition));
        _rolloutThreshold = UnitHash.Threshold(definition.RolloutPercent);
        _allocationSuffix = Encoding.UTF8.GetBytes("\n" + AllocationSeed(definition));
        _ranges = AllocationRanges.For(definition.Variants);
        _notEnrolledIndex = IndexOf(definition.ResolvedDefaultVariantKey());
        _notRunningIndex = definition.State == ExperimentState.Stopped && definition.FinalVariantKey.Length > 0
            ? IndexOf(definition.FinalVariantKey)
            : _notEnrolledIndex;
    }

    public ExperimentDefinition Definition { get; }

    public string[] VariantKeys { get; }

    public string[] Payloads { get; }

    public AllocationRanges Ranges => _ranges;

    public static string HoldoutSalt(string holdoutName) => "holdout\n" + holdoutName;

    public static string LayerSalt(string layerName) => "layer\n" + layerName;

    public static string RolloutSalt(ExperimentDefinition definition) => "rollout\n" + AllocationSeed(definition);

    /// <summary>Microsoft.FeatureManagement's hint: the allocation seed, or <c>"allocation\n{feature}"</c> without one.</summary>
    public static string AllocationSeed(ExperimentDefinition definition) =>
        definition.Seed.Length > 0 ? definition.Seed : "allocation\n" + definition.FlagKey;

    public AssignmentDecision Evaluate(UnitContext context) =>
        Evaluate(context.IdFor(Definition.Unit), context.UserId, context.Groups, context.Attributes);

    /// <summary>
    /// The same, for a unit given by its parts (the SDK's request path, which keeps no <see cref="UnitContext"/>):
    /// <paramref name="unit"/> is the id of this experiment's unit kind (<see cref="ExperimentDefinition.Unit"/>),
    /// the others feed targeting.
    /// </summary>
    public AssignmentDecision Evaluate(string unit, string userId, IReadOnlyList<string> groups, IReadOnlyDictionary<string, string> attributes)
    {
        if (Definition.State != ExperimentState.Running)
        {
            return new AssignmentDecision(this, _notRunningIndex, AssignmentOutcome.ExperimentNotRunning);
        }
        if (unit.Length == 0)
        {
            return new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.MissingUnitId);
        }
        if (_targeting is not null && !_targeting.Matches(userId, groups, attributes))
        {
            return new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.NotTargeted);
        }
        if (_hasHoldout && UnitHash.Position(_holdoutSalt, unit) < _holdoutThreshold)
        {
            return new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.Holdout);
        }
        if (_hasLayer)
        {
            var position = UnitHash.Position(_layerSalt, unit);
            if (position < _segmentStart || position >= _segmentEnd)
            {
                return new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.LayerOtherExperiment);
            }
        }
        if (UnitHash.Position(_rolloutSalt, unit) >= _rolloutThreshold)
        {
            return new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.OutsideRollout);
        }
        var allocated = Allocate(unit);
        return allocated < 0
            ? new AssignmentDecision(this, _notEnrolledIndex, AssignmentOutcome.OutsideRollout)
            : new AssignmentDecision(this, allocated, AssignmentOutcome.Assigned);
    }

    /// <summary>The variant Microsoft.FeatureManagement's percentile allocation picks for the unit, or -1.</summary>
    [SkipLocalsInit]
    private int Allocate(string unit)
    {
        var length = Encoding.UTF8.GetMaxByteCount(unit.Length) + _allocationSuffix.Length;
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(unit, buffer);
            _allocationSuffix.CopyTo(buffer[written..]);
            var marker = Sha256Prefix.FirstUInt32(buffer[..(written + _allocationSuffix.Length)]);
            // Microsoft.FeatureManagement's TargetingEvaluator, expression for expression.
            var percentage = marker / (double)uint.MaxValue * 100;
            var from = _ranges.From;
            var to = _ranges.To;
            for (var i = 0; i < from.Length; i++)
            {
                if (to[i] == 100 ? percentage >= from[i] : percentage >= from[i] && percentage < to[i])
                {
                    return _ranges.VariantIndexes[i];
                }
            }
            return -1;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private int IndexOf(string key)
    {
        var index = Array.IndexOf(VariantKeys, key);
        return index >= 0 ? index : 0;
    }
}
