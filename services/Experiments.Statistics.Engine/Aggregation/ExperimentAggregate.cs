namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Per-variant aggregates of one experiment — everything a verdict needs, nothing per unit — from one shard or
/// merged from several. Shards own disjoint units, so merging is addition.
/// </summary>
public sealed class ExperimentAggregate
{
    /// <summary>Empty aggregates for <paramref name="definition"/>.</summary>
    public ExperimentAggregate(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        Layout = new MetricLayout(definition);
        var arms = definition.Variants.Count;
        Exposed = new long[arms];
        Requests = new RequestArmAggregate[Layout.GroupApis.Count][];
        for (var g = 0; g < Requests.Length; g++)
        {
            Requests[g] = new RequestArmAggregate[arms];
            for (var a = 0; a < arms; a++)
            {
                Requests[g][a] = new RequestArmAggregate();
            }
        }
        Retention = new RetentionArmAggregate[definition.Metrics.Count][];
        Moments = new MomentArmAggregate[definition.Metrics.Count][];
        for (var k = 0; k < definition.Metrics.Count; k++)
        {
            switch (definition.Metrics[k].Kind)
            {
                case MetricKind.RetentionDayN:
                    Retention[k] = [.. Enumerable.Range(0, arms).Select(_ => new RetentionArmAggregate())];
                    break;
                case MetricKind.Engagement or MetricKind.CustomMetric:
                    Moments[k] = [.. Enumerable.Range(0, arms).Select(_ => new MomentArmAggregate())];
                    break;
            }
        }
    }

    /// <summary>The experiment.</summary>
    public ExperimentDefinition Definition { get; internal set; }

    /// <summary>How the KPIs map to state.</summary>
    public MetricLayout Layout { get; }

    /// <summary>Units exposed per arm (the first exposure decides the arm).</summary>
    public long[] Exposed { get; }

    /// <summary>Units that were also exposed to a different variant later (kept in their first arm).</summary>
    public long ConflictingUnits { get; internal set; }

    /// <summary>Events of exposed units dated before their exposure, hence not attributed.</summary>
    public long PreExposureEvents { get; internal set; }

    /// <summary>Earliest first exposure, Unix seconds; long.MaxValue when none.</summary>
    public long FirstExposureUnixSeconds { get; internal set; } = long.MaxValue;

    /// <summary>Latest event time seen, Unix seconds; long.MinValue when none.</summary>
    public long LastEventUnixSeconds { get; internal set; } = long.MinValue;

    /// <summary>Request statistics per group and arm: [group][arm].</summary>
    public RequestArmAggregate[][] Requests { get; }

    /// <summary>Retention per KPI and arm (null for other kinds): [kpi][arm].</summary>
    public RetentionArmAggregate[]?[] Retention { get; }

    /// <summary>Per-unit values per KPI and arm for engagement and custom metrics (null for other kinds).</summary>
    public MomentArmAggregate[]?[] Moments { get; }

    /// <summary>All arms' exposed units.</summary>
    public long TotalUnits => Exposed.Sum();

    /// <summary>Adds another shard's aggregates of the same experiment.</summary>
    public void Merge(ExperimentAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Definition.Variants.Count != Definition.Variants.Count || other.Requests.Length != Requests.Length)
        {
            throw new ArgumentException("Aggregates of differently shaped experiments cannot be merged.", nameof(other));
        }
        for (var a = 0; a < Exposed.Length; a++)
        {
            Exposed[a] += other.Exposed[a];
        }
        ConflictingUnits += other.ConflictingUnits;
        PreExposureEvents += other.PreExposureEvents;
        FirstExposureUnixSeconds = Math.Min(FirstExposureUnixSeconds, other.FirstExposureUnixSeconds);
        LastEventUnixSeconds = Math.Max(LastEventUnixSeconds, other.LastEventUnixSeconds);
        for (var g = 0; g < Requests.Length; g++)
        {
            for (var a = 0; a < Exposed.Length; a++)
            {
                Requests[g][a].Merge(other.Requests[g][a]);
            }
        }
        for (var k = 0; k < Retention.Length; k++)
        {
            for (var a = 0; a < Exposed.Length; a++)
            {
                Retention[k]?[a].Merge(other.Retention[k]![a]);
                Moments[k]?[a].Merge(other.Moments[k]![a]);
            }
        }
    }

    /// <summary>The merge of <paramref name="shards"/> (at least one) into a new aggregate.</summary>
    public static ExperimentAggregate MergeAll(IEnumerable<ExperimentAggregate> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ExperimentAggregate? merged = null;
        foreach (var shard in shards)
        {
            merged ??= new ExperimentAggregate(shard.Definition);
            merged.Merge(shard);
        }
        return merged ?? throw new ArgumentException("No shards to merge.", nameof(shards));
    }

    /// <summary>Encodes the aggregates (not the definition) for storage beside other shards'.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            Write(writer);
        }
        return stream.ToArray();
    }

    /// <summary>Decodes aggregates written by <see cref="ToBytes"/> for the same definition.</summary>
    public static ExperimentAggregate FromBytes(ExperimentDefinition definition, ReadOnlySpan<byte> bytes)
    {
        using var stream = new MemoryStream(bytes.ToArray());
        using var reader = new BinaryReader(stream);
        return Read(definition, reader);
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Exposed.Length);
        writer.Write(Requests.Length);
        foreach (var count in Exposed)
        {
            writer.Write(count);
        }
        writer.Write(ConflictingUnits);
        writer.Write(PreExposureEvents);
        writer.Write(FirstExposureUnixSeconds);
        writer.Write(LastEventUnixSeconds);
        foreach (var group in Requests)
        {
            foreach (var arm in group)
            {
                arm.Write(writer);
            }
        }
        for (var k = 0; k < Retention.Length; k++)
        {
            foreach (var arm in Retention[k] ?? [])
            {
                arm.Write(writer);
            }
            foreach (var arm in Moments[k] ?? [])
            {
                arm.Write(writer);
            }
        }
    }

    internal static ExperimentAggregate Read(ExperimentDefinition definition, BinaryReader reader)
    {
        var aggregate = new ExperimentAggregate(definition);
        if (reader.ReadInt32() != aggregate.Exposed.Length || reader.ReadInt32() != aggregate.Requests.Length)
        {
            throw new InvalidDataException("The stored aggregates do not match the experiment's arms and KPIs.");
        }
        for (var a = 0; a < aggregate.Exposed.Length; a++)
        {
            aggregate.Exposed[a] = reader.ReadInt64();
        }
        aggregate.ConflictingUnits = reader.ReadInt64();
        aggregate.PreExposureEvents = reader.ReadInt64();
        aggregate.FirstExposureUnixSeconds = reader.ReadInt64();
        aggregate.LastEventUnixSeconds = reader.ReadInt64();
        for (var g = 0; g < aggregate.Requests.Length; g++)
        {
            for (var a = 0; a < aggregate.Exposed.Length; a++)
            {
                aggregate.Requests[g][a] = RequestArmAggregate.Read(reader);
            }
        }
        for (var k = 0; k < aggregate.Retention.Length; k++)
        {
            for (var a = 0; a < aggregate.Exposed.Length; a++)
            {
                if (aggregate.Retention[k] is { } retention)
                {
                    retention[a] = RetentionArmAggregate.Read(reader);
                }
            }
            for (var a = 0; a < aggregate.Exposed.Length; a++)
            {
                if (aggregate.Moments[k] is { } moments)
                {
                    moments[a] = MomentArmAggregate.Read(reader);
                }
            }
        }
        return aggregate;
    }
}
