using System.Globalization;
using System.Runtime.CompilerServices;
using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Streaming state of one experiment in one shard: per-unit columns (struct arrays indexed by a dense unit
/// index, no object per unit) and the per-arm aggregates they feed, updated in O(1) per event.
/// </summary>
/// <remarks>
/// A unit enters at its first exposure, in that exposure's arm; its events count only from the exposure's second
/// on. Later exposures to another variant are counted as conflicts (a data-quality signal), not moved. Events of
/// a unit processed before its exposure are not counted (they are not buffered): ingestion partitions by unit and
/// keeps each partition in order, so this only happens when a reporter sends them in that order.
/// Not thread-safe; a shard applies events on one thread.
/// </remarks>
public sealed class ExperimentAggregator
{
    private const long EpochUnixSeconds = 1_577_836_800; // 2020-01-01T00:00:00Z: exposure seconds fit an int until 2088
    private const int TailUnitsExported = 50;
    private const int TailCutMarginSlots = 8; // ≈ 17% below the shard's own tail quantile

    private readonly UnitIndex _index = new();
    private ExperimentAggregate _live;
    private readonly MetricLayout _layout;
    private readonly RequestColumns[] _groups;
    private readonly byte[]?[] _retained;
    private readonly int[]?[] _counts;
    private readonly double[]?[] _sums;
    private readonly int[] _activityMetrics; // retention and engagement KPIs, the only ones activity counts towards
    private readonly Dictionary<int, string> _tailUnitIds = [];
    private readonly double[] _tailWatch;
    private readonly string[] _variantKeys;
    private byte[] _variant = [];
    private bool[] _dirty = [];
    private List<int> _dirtyUnits = [];
    private int[] _exposedAt = [];
    private int _capacity;
    private long _analysisEndMs;

    /// <summary>Empty state for <paramref name="definition"/>.</summary>
    public ExperimentAggregator(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Variants.Count is < 2 or > 127)
        {
            throw new ArgumentException("An experiment needs 2 to 127 variants.", nameof(definition));
        }
        Definition = definition;
        _analysisEndMs = AnalysisEndMs(definition);
        _live = new ExperimentAggregate(definition);
        _layout = _live.Layout;
        _variantKeys = [.. definition.Variants.Select(v => v.Key)];
        _groups = new RequestColumns[_layout.GroupApis.Count];
        for (var g = 0; g < _groups.Length; g++)
        {
            _groups[g] = new RequestColumns(_layout.GroupApis[g], _layout.GroupKeepsUnitHistograms[g] ? new UnitHistograms() : null,
                _layout.GroupTracksLatencySums[g], _layout.GroupTracksErrors[g]);
        }
        _tailWatch = new double[_groups.Length];
        Array.Fill(_tailWatch, double.PositiveInfinity);
        var metrics = definition.Metrics.Count;
        _retained = new byte[]?[metrics];
        _counts = new int[]?[metrics];
        _sums = new double[]?[metrics];
        _activityMetrics = [.. Enumerable.Range(0, metrics).Where(k => definition.Metrics[k].Kind is MetricKind.RetentionDayN or MetricKind.Engagement)];
        for (var k = 0; k < metrics; k++)
        {
            switch (definition.Metrics[k].Kind)
            {
                case MetricKind.RetentionDayN:
                    _retained[k] = [];
                    break;
                case MetricKind.Engagement:
                    _counts[k] = [];
                    break;
                case MetricKind.CustomMetric:
                    _counts[k] = [];
                    _sums[k] = [];
                    break;
            }
        }
    }

    /// <summary>The experiment.</summary>
    public ExperimentDefinition Definition { get; private set; }

    /// <summary>Takes a new revision of the same arms and KPIs (weights, horizon, status changed).</summary>
    internal void Redefine(ExperimentDefinition definition)
    {
        Definition = definition;
        _analysisEndMs = AnalysisEndMs(definition);
        _live.Definition = definition;
        Version++;
    }

    /// <summary>Exposed units held.</summary>
    public int Units => _index.Count;

    /// <summary>Incremented by every change: verdicts are recomputed only when it moved.</summary>
    public long Version { get; private set; }

    /// <summary>Bytes held by per-unit state (unit index, columns, per-unit histograms, kept unit ids excluded).</summary>
    public long UnitStateBytes
    {
        get
        {
            long bytes = _index.MemoryBytes + _capacity * 5L;
            foreach (var group in _groups)
            {
                bytes += group.Requests.Length * 4L + group.Errors.Length * 4L + group.LatencySum.Length * 8L + (group.Histograms?.MemoryBytes ?? 0);
            }
            for (var k = 0; k < _retained.Length; k++)
            {
                bytes += (_retained[k]?.Length ?? 0) + (_counts[k]?.Length ?? 0) * 4L + (_sums[k]?.Length ?? 0) * 8L;
            }
            return bytes;
        }
    }

    // Once stopped, every unit is served the final variant whatever its arm: events after the stop would pull the
    // arms together, so the analysis ends there (late events from before the stop still count).
    private static long AnalysisEndMs(ExperimentDefinition definition) =>
        definition.StopTime is { } stop ? stop.ToUnixTimeMilliseconds() : long.MaxValue;

    /// <summary>Records an exposure; returns whether it changed anything.</summary>
    public bool Expose(ulong unitHash, string variantKey, long timeUnixMs)
    {
        var arm = Array.IndexOf(_variantKeys, variantKey);
        if (arm < 0 || timeUnixMs > _analysisEndMs)
        {
            return false;
        }
        var second = ToExposureSecond(timeUnixMs);
        var unit = _index.Find(unitHash);
        if (unit >= 0)
        {
            if (_variant[unit] != arm)
            {
                // Counted once per unit: the first conflicting exposure flips the flag's high bit.
                if ((_variant[unit] & 0x80) == 0)
                {
                    _variant[unit] |= 0x80;
                    MarkDirty(unit);
                    _live.ConflictingUnits++;
                    Version++;
                    return true;
                }
            }
            return false;
        }
        EnsureCapacity(_index.Count + 1);
        unit = _index.Add(unitHash);
        MarkDirty(unit);
        _variant[unit] = (byte)arm;
        _exposedAt[unit] = second;
        _live.Exposed[arm]++;
        var exposureSeconds = second + EpochUnixSeconds;
        _live.FirstExposureUnixSeconds = Math.Min(_live.FirstExposureUnixSeconds, exposureSeconds);
        _live.LastEventUnixSeconds = Math.Max(_live.LastEventUnixSeconds, exposureSeconds);
        foreach (var group in _live.Requests)
        {
            group[arm].AddUnit();
        }
        foreach (var k in _activityMetrics)
        {
            if (_live.Retention[k] is { } retention)
            {
                retention[arm].AddUnit(exposureSeconds / 3600);
            }
            else
            {
                // Engagement counts every exposed unit, active or not.
                _live.Moments[k]![arm].Units++;
            }
        }
        Version++;
        return true;
    }

    /// <summary>Whether the unit with hash <paramref name="unitHash"/> has been exposed.</summary>
    public bool Knows(ulong unitHash) => _index.Find(unitHash) >= 0;

    /// <summary>Applies a request, activity or custom-metric event of the unit with hash <paramref name="unitHash"/>; false when not attributed.</summary>
    public bool Apply(ulong unitHash, in TelemetryEvent e)
    {
        var unit = _index.Find(unitHash);
        if (unit < 0 || e.TimeUnixMs > _analysisEndMs)
        {
            return false;
        }
        var second = ToExposureSecond(e.TimeUnixMs);
        var sinceExposure = (long)second - _exposedAt[unit];
        if (sinceExposure < 0)
        {
            _live.PreExposureEvents++;
            return false;
        }
        var arm = _variant[unit] & 0x7F;
        _live.LastEventUnixSeconds = Math.Max(_live.LastEventUnixSeconds, second + EpochUnixSeconds);
        switch (e.Kind)
        {
            case TelemetryKind.Request:
                ApplyRequest(unit, arm, e);
                CountActivity(unit, arm, sinceExposure, null);
                break;
            case TelemetryKind.Activity:
                CountActivity(unit, arm, sinceExposure, e.Name ?? "");
                break;
            case TelemetryKind.CustomMetric:
                ApplyCustom(unit, arm, e.Name ?? "", e.Value);
                break;
            default:
                return false;
        }
        MarkDirty(unit);
        Version++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkDirty(int unit)
    {
        if (!_dirty[unit])
        {
            _dirty[unit] = true;
            _dirtyUnits.Add(unit);
        }
    }

    /// <summary>Units changed since the last <see cref="Write"/> or <see cref="WriteDelta"/>.</summary>
    public int ChangedUnits => _dirtyUnits.Count;

    /// <summary>
    /// Whether the next checkpoint must hold this experiment whole: it is new (or was replaced by a definition of
    /// another shape), or the last written state was lost (a failed save).
    /// </summary>
    public bool NeedsFullWrite { get; set; } = true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ApplyRequest(int unit, int arm, in TelemetryEvent e)
    {
        var latency = e.LatencyMs;
        for (var g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            if (group.Api.Length == 0 ? e.NamedApiOnly : !string.Equals(group.Api, e.ApiName, StringComparison.Ordinal))
            {
                continue;
            }
            var requests = group.Requests[unit];
            var latencySums = group.TracksLatency;
            var errors = group.TracksErrors;
            _live.Requests[g][arm].AddRequest(latencySums ? group.LatencySum[unit] : 0, requests, errors ? group.Errors[unit] : 0,
                latency, e.Error, e.ClientId, latencySums, errors);
            group.Requests[unit] = requests + 1;
            if (latencySums)
            {
                group.LatencySum[unit] += latency;
            }
            if (errors && e.Error)
            {
                group.Errors[unit]++;
            }
            if (group.Histograms is { } histograms)
            {
                histograms.Add(unit, latency);
                if (latency >= _tailWatch[g] && e.UnitId(Definition.Unit) is { } id)
                {
                    _tailUnitIds.TryAdd(unit, id);
                }
            }
        }
    }

    // activityName null: a request, which counts as activity for KPIs that name none.
    private void CountActivity(int unit, int arm, long sinceExposure, string? activityName)
    {
        foreach (var k in _activityMetrics)
        {
            var metric = Definition.Metrics[k];
            var matches = metric.ActivityName.Length == 0 || (activityName is not null && string.Equals(metric.ActivityName, activityName, StringComparison.Ordinal));
            if (!matches)
            {
                continue;
            }
            if (_retained[k] is { } retained)
            {
                if (sinceExposure / 86_400 == metric.RetentionDay && retained[unit] == 0)
                {
                    retained[unit] = 1;
                    _live.Retention[k]![arm].AddRetained((_exposedAt[unit] + EpochUnixSeconds) / 3600);
                }
            }
            else
            {
                var counts = _counts[k]!;
                var moments = _live.Moments[k]![arm];
                moments.Sum += 1;
                moments.SumSquares += 2.0 * counts[unit] + 1;
                counts[unit]++;
            }
        }
    }

    private void ApplyCustom(int unit, int arm, string name, double value)
    {
        for (var k = 0; k < _sums.Length; k++)
        {
            if (_sums[k] is not { } sums || !string.Equals(Definition.Metrics[k].MetricName, name, StringComparison.Ordinal))
            {
                continue;
            }
            var counts = _counts[k]!;
            var moments = _live.Moments[k]![arm];
            var n = counts[unit];
            var newMean = (sums[unit] + value) / (n + 1);
            if (n == 0)
            {
                moments.Units++;
                moments.Sum += newMean;
                moments.SumSquares += newMean * newMean;
            }
            else
            {
                var oldMean = sums[unit] / n;
                moments.Sum += newMean - oldMean;
                moments.SumSquares += (newMean - oldMean) * (newMean + oldMean);
            }
            sums[unit] += value;
            counts[unit] = n + 1;
        }
    }

    /// <summary>
    /// A copy of the per-arm aggregates, with the clustered-quantile sums and tail candidates computed from the
    /// per-unit histograms. O(units) for groups with per-unit histograms; call it per verdict, not per event.
    /// </summary>
    public ExperimentAggregate Snapshot()
    {
        var snapshot = new ExperimentAggregate(Definition);
        snapshot.Merge(_live);
        for (var g = 0; g < _groups.Length; g++)
        {
            if (_groups[g].Histograms is not { } histograms)
            {
                continue;
            }
            var arms = Definition.Variants.Count;
            var unitsByArm = new List<int>[arms];
            for (var a = 0; a < arms; a++)
            {
                unitsByArm[a] = [];
            }
            for (var u = 0; u < _index.Count; u++)
            {
                unitsByArm[_variant[u] & 0x7F].Add(u);
            }
            var lowestWatch = double.PositiveInfinity;
            for (var a = 0; a < arms; a++)
            {
                var arm = snapshot.Requests[g][a];
                arm.Curves = ClusteredCurves.Build(histograms, unitsByArm[a]);
                if (arm.Histogram.Count == 0)
                {
                    continue;
                }
                var tailQuantile = arm.Histogram.Quantile(_layout.GroupTailProbability[g]);
                var cut = Math.Max(0, LogBucketMapping.IndexOf(tailQuantile) + 1 - TailCutMarginSlots);
                arm.TailUnits.AddRange(TopTailUnits(g, histograms, unitsByArm[a], cut));
                lowestWatch = Math.Min(lowestWatch, LogBucketMapping.LowerBound(Math.Max(0, cut - 1)));
            }
            // From now on keep the ids of units that reach the tail, so reports can name them.
            _tailWatch[g] = lowestWatch;
        }
        return snapshot;
    }

    private List<UnitTail> TopTailUnits(int group, UnitHistograms histograms, List<int> units, int cutSlot)
    {
        var heap = new PriorityQueue<int, (long, int)>();
        foreach (var u in units)
        {
            long tail = 0;
            foreach (var entry in histograms.Entries(u))
            {
                if (UnitHistograms.SlotOf(entry) >= cutSlot)
                {
                    tail += UnitHistograms.CountOf(entry);
                }
            }
            if (tail == 0)
            {
                continue;
            }
            if (heap.Count < TailUnitsExported)
            {
                heap.Enqueue(u, (tail, -u));
            }
            else if (heap.TryPeek(out _, out var smallest) && (tail, -u).CompareTo(smallest) > 0)
            {
                heap.EnqueueDequeue(u, (tail, -u));
            }
        }
        var chosen = new List<int>(heap.Count);
        while (heap.TryDequeue(out var u, out _))
        {
            chosen.Add(u);
        }
        var names = UnitNames(chosen);
        var result = new List<UnitTail>(chosen.Count);
        foreach (var u in chosen)
        {
            var entries = new List<(int, long)>();
            foreach (var entry in histograms.Entries(u))
            {
                if (UnitHistograms.SlotOf(entry) >= cutSlot)
                {
                    entries.Add((UnitHistograms.SlotOf(entry), UnitHistograms.CountOf(entry)));
                }
            }
            result.Add(new UnitTail(names[u], _groups[group].Requests[u], entries));
        }
        return result;
    }

    // Ids kept when the unit reached the tail; otherwise the hash, found in one pass over the index.
    private Dictionary<int, string> UnitNames(List<int> units)
    {
        var names = new Dictionary<int, string>(units.Count);
        var missing = new HashSet<int>();
        foreach (var u in units)
        {
            if (_tailUnitIds.TryGetValue(u, out var id))
            {
                names[u] = id;
            }
            else
            {
                missing.Add(u);
            }
        }
        foreach (var u in missing)
        {
            names[u] = "#" + _index.KeyOf(u).ToString("x16", CultureInfo.InvariantCulture);
        }
        return names;
    }

    private static int ToExposureSecond(long timeUnixMs) =>
        (int)Math.Clamp(Math.Floor(timeUnixMs / 1000.0) - EpochUnixSeconds, int.MinValue, int.MaxValue);

    private void EnsureCapacity(int units)
    {
        if (units <= _capacity)
        {
            return;
        }
        // 1.5× growth: slack costs memory per unit, copies are rare and amortized.
        var capacity = Math.Max(Math.Max(1024, units), _capacity + _capacity / 2);
        Array.Resize(ref _variant, capacity);
        Array.Resize(ref _dirty, capacity);
        Array.Resize(ref _exposedAt, capacity);
        foreach (var group in _groups)
        {
            group.Resize(capacity);
        }
        for (var k = 0; k < _retained.Length; k++)
        {
            if (_retained[k] is not null)
            {
                Array.Resize(ref _retained[k], capacity);
            }
            if (_counts[k] is not null)
            {
                Array.Resize(ref _counts[k], capacity);
            }
            if (_sums[k] is not null)
            {
                Array.Resize(ref _sums[k], capacity);
            }
        }
        _capacity = capacity;
    }

    /// <summary>Writes the whole state (per-unit columns and per-arm aggregates) for a checkpoint.</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Version);
        writer.Write(_index.Count);
        for (var u = 0; u < _index.Count; u++)
        {
            writer.Write(_index.KeyOf(u));
            WriteRow(writer, u);
        }
        WriteShared(writer);
        ClearDirty();
        NeedsFullWrite = false;
    }

    /// <summary>
    /// Writes what changed since the last <see cref="Write"/> or <see cref="WriteDelta"/>: the rows of changed and new
    /// units and the per-arm aggregates (small, written whole). <see cref="ReadDelta"/> on the state restored from the
    /// previous writes reproduces this state exactly.
    /// </summary>
    public void WriteDelta(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Version);
        writer.Write(_index.Count);
        writer.Write(_dirtyUnits.Count);
        foreach (var u in _dirtyUnits)
        {
            writer.Write(u);
            writer.Write(_index.KeyOf(u));
            WriteRow(writer, u);
        }
        WriteShared(writer);
        ClearDirty();
    }

    /// <summary>Applies a delta written by <see cref="WriteDelta"/>.</summary>
    public void ReadDelta(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt64();
        var units = reader.ReadInt32();
        var changed = reader.ReadInt32();
        EnsureCapacity(units);
        var entries = new List<uint>();
        for (var i = 0; i < changed; i++)
        {
            var u = reader.ReadInt32();
            var key = reader.ReadUInt64();
            if (u == _index.Count)
            {
                _index.Add(key);
            }
            else if (u > _index.Count || _index.KeyOf(u) != key)
            {
                throw new InvalidDataException("A checkpoint delta does not continue the state it was written after.");
            }
            ReadRow(reader, u, entries);
        }
        if (_index.Count != units)
        {
            throw new InvalidDataException("A checkpoint delta does not continue the state it was written after.");
        }
        ReadShared(reader);
        Version = version;
    }

    private void ClearDirty()
    {
        foreach (var u in _dirtyUnits)
        {
            _dirty[u] = false;
        }
        _dirtyUnits = [];
    }

    private void WriteRow(BinaryWriter writer, int u)
    {
        writer.Write(_variant[u]);
        writer.Write(_exposedAt[u]);
        foreach (var group in _groups)
        {
            writer.Write(group.Requests[u]);
            if (group.TracksErrors)
            {
                writer.Write(group.Errors[u]);
            }
            if (group.TracksLatency)
            {
                writer.Write(group.LatencySum[u]);
            }
            if (group.Histograms is { } histograms)
            {
                var entries = histograms.Entries(u);
                writer.Write(entries.Length);
                foreach (var entry in entries)
                {
                    writer.Write(entry);
                }
            }
        }
        for (var k = 0; k < _retained.Length; k++)
        {
            if (_retained[k] is { } retained)
            {
                writer.Write(retained[u]);
            }
            if (_counts[k] is { } counts)
            {
                writer.Write(counts[u]);
            }
            if (_sums[k] is { } sums)
            {
                writer.Write(sums[u]);
            }
        }
    }

    private void ReadRow(BinaryReader reader, int u, List<uint> entries)
    {
        _variant[u] = reader.ReadByte();
        _exposedAt[u] = reader.ReadInt32();
        foreach (var group in _groups)
        {
            group.Requests[u] = reader.ReadInt32();
            if (group.TracksErrors)
            {
                group.Errors[u] = reader.ReadInt32();
            }
            if (group.TracksLatency)
            {
                group.LatencySum[u] = reader.ReadDouble();
            }
            if (group.Histograms is { } histograms)
            {
                entries.Clear();
                var count = reader.ReadInt32();
                for (var i = 0; i < count; i++)
                {
                    entries.Add(reader.ReadUInt32());
                }
                histograms.Set(u, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));
            }
        }
        for (var k = 0; k < _retained.Length; k++)
        {
            if (_retained[k] is { } retained)
            {
                retained[u] = reader.ReadByte();
            }
            if (_counts[k] is { } counts)
            {
                counts[u] = reader.ReadInt32();
            }
            if (_sums[k] is { } sums)
            {
                sums[u] = reader.ReadDouble();
            }
        }
    }

    private void WriteShared(BinaryWriter writer)
    {
        writer.Write(_tailUnitIds.Count);
        foreach (var (unit, id) in _tailUnitIds)
        {
            writer.Write(unit);
            writer.Write(id);
        }
        foreach (var watch in _tailWatch)
        {
            writer.Write(watch);
        }
        _live.Write(writer);
    }

    private void ReadShared(BinaryReader reader)
    {
        _tailUnitIds.Clear();
        var ids = reader.ReadInt32();
        for (var i = 0; i < ids; i++)
        {
            _tailUnitIds[reader.ReadInt32()] = reader.ReadString();
        }
        for (var g = 0; g < _tailWatch.Length; g++)
        {
            _tailWatch[g] = reader.ReadDouble();
        }
        var live = new ExperimentAggregate(Definition);
        live.Merge(ExperimentAggregate.Read(Definition, reader));
        _live = live;
    }

    /// <summary>Reads state written by <see cref="Write"/> for the same definition.</summary>
    public static ExperimentAggregator Read(ExperimentDefinition definition, BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var aggregator = new ExperimentAggregator(definition);
        var version = reader.ReadInt64();
        var units = reader.ReadInt32();
        aggregator.EnsureCapacity(units);
        var entries = new List<uint>();
        for (var u = 0; u < units; u++)
        {
            aggregator._index.Add(reader.ReadUInt64());
            aggregator.ReadRow(reader, u, entries);
        }
        aggregator.ReadShared(reader);
        aggregator.Version = version;
        aggregator.NeedsFullWrite = false;
        return aggregator;
    }

    private sealed class RequestColumns(string api, UnitHistograms? histograms, bool tracksLatency, bool tracksErrors)
    {
        public string Api { get; } = api;
        public bool TracksLatency { get; } = tracksLatency;
        public bool TracksErrors { get; } = tracksErrors;
        public UnitHistograms? Histograms { get; } = histograms;
        public int[] Requests { get; private set; } = [];
        public int[] Errors { get; private set; } = [];
        public double[] LatencySum { get; private set; } = [];

        public void Resize(int capacity)
        {
            var requests = Requests;
            Array.Resize(ref requests, capacity);
            Requests = requests;
            if (TracksErrors)
            {
                var errors = Errors;
                Array.Resize(ref errors, capacity);
                Errors = errors;
            }
            if (TracksLatency)
            {
                var sums = LatencySum;
                Array.Resize(ref sums, capacity);
                LatencySum = sums;
            }
            Histograms?.EnsureCapacity(capacity);
        }
    }
}
