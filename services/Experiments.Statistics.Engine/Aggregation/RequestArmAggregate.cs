using System.Runtime.CompilerServices;
using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Means;
using Experiments.Statistics.Engine.Ratios;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>One arm's request statistics for one API (or all APIs): mergeable across shards by addition.</summary>
public sealed class RequestArmAggregate
{
    /// <summary>Latency ratio Σlatency/Σrequests over units (all exposed units; those without requests add zeros).</summary>
    public RatioMetricStatistics Latency { get; internal set; }

    /// <summary>Error ratio Σerrors/Σrequests over units.</summary>
    public RatioMetricStatistics Errors { get; internal set; }

    /// <summary>Every request's latency as one observation (request randomization).</summary>
    public SampleSummary RequestLatencies { get; internal set; }

    /// <summary>Requests with an error.</summary>
    public long ErrorCount { get; internal set; }

    /// <summary>Units with at least one request.</summary>
    public long UnitsWithRequests { get; internal set; }

    /// <summary>All requests' latencies.</summary>
    public LogHistogram Histogram { get; private set; } = LogHistogram.CreatePreallocated();

    /// <summary>Latencies per consumer (RequestEvent.client_id), for tail attribution.</summary>
    public Dictionary<string, LogHistogram> Clients { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>Clustered-variance sums over every bucket boundary; null unless per-unit histograms are kept.</summary>
    public ClusteredCurves? Curves { get; internal set; }

    /// <summary>Units that may dominate the tail (snapshots only).</summary>
    public List<UnitTail> TailUnits { get; private set; } = [];

    /// <summary>Requests counted.</summary>
    public long Requests => Histogram.Count;

    internal void AddUnit()
    {
        Latency = Latency with { Units = Latency.Units + 1 };
        Errors = Errors with { Units = Errors.Units + 1 };
    }

    /// <summary>Adds a request of a unit that had <paramref name="unitLatency"/>, <paramref name="unitRequests"/> and <paramref name="unitErrors"/> before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddRequest(double unitLatency, int unitRequests, int unitErrors, double latencyMs, bool error, string? clientId, bool latencyRatio, bool errorRatio)
    {
        double y = unitRequests;
        if (latencyRatio)
        {
            var l = Latency;
            Latency = new RatioMetricStatistics(l.Units, l.SumNumerator + latencyMs, l.SumDenominator + 1,
                l.SumNumeratorSquares + (2 * unitLatency + latencyMs) * latencyMs,
                l.SumDenominatorSquares + 2 * y + 1,
                l.SumCrossProducts + unitLatency + latencyMs * (y + 1));
        }
        if (errorRatio)
        {
            var e = Errors;
            var x = (double)unitErrors;
            var d = error ? 1.0 : 0.0;
            Errors = new RatioMetricStatistics(e.Units, e.SumNumerator + d, e.SumDenominator + 1,
                e.SumNumeratorSquares + (2 * x + d) * d,
                e.SumDenominatorSquares + 2 * y + 1,
                e.SumCrossProducts + x + d * (y + 1));
        }
        RequestLatencies = RequestLatencies.Add(latencyMs);
        if (error)
        {
            ErrorCount++;
        }
        if (unitRequests == 0)
        {
            UnitsWithRequests++;
        }
        Histogram.Add(latencyMs);
        if (!string.IsNullOrEmpty(clientId))
        {
            if (!Clients.TryGetValue(clientId, out var client))
            {
                client = new LogHistogram();
                Clients.Add(clientId, client);
            }
            client.Add(latencyMs);
        }
    }

    /// <summary>Adds another shard's statistics (disjoint units).</summary>
    public void Merge(RequestArmAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Latency = Latency.Merge(other.Latency);
        Errors = Errors.Merge(other.Errors);
        RequestLatencies = RequestLatencies.Merge(other.RequestLatencies);
        ErrorCount += other.ErrorCount;
        UnitsWithRequests += other.UnitsWithRequests;
        Histogram.Merge(other.Histogram);
        foreach (var (client, histogram) in other.Clients)
        {
            if (Clients.TryGetValue(client, out var mine))
            {
                mine.Merge(histogram);
            }
            else
            {
                Clients.Add(client, histogram.Clone());
            }
        }
        if (other.Curves is not null)
        {
            if (Curves is null)
            {
                Curves = new ClusteredCurves();
            }
            Curves.Merge(other.Curves);
        }
        TailUnits.AddRange(other.TailUnits);
    }

    internal RequestArmAggregate Clone()
    {
        var clone = new RequestArmAggregate
        {
            Latency = Latency,
            Errors = Errors,
            RequestLatencies = RequestLatencies,
            ErrorCount = ErrorCount,
            UnitsWithRequests = UnitsWithRequests,
            Histogram = Histogram.Clone(),
        };
        foreach (var (client, histogram) in Clients)
        {
            clone.Clients.Add(client, histogram.Clone());
        }
        return clone;
    }

    internal void Write(BinaryWriter writer)
    {
        AggregateFormat.Write(writer, Latency);
        AggregateFormat.Write(writer, Errors);
        writer.Write(RequestLatencies.Count);
        writer.Write(RequestLatencies.Mean);
        writer.Write(RequestLatencies.Variance);
        writer.Write(ErrorCount);
        writer.Write(UnitsWithRequests);
        AggregateFormat.Write(writer, Histogram);
        writer.Write(Clients.Count);
        foreach (var (client, histogram) in Clients)
        {
            writer.Write(client);
            AggregateFormat.Write(writer, histogram);
        }
        writer.Write(Curves is not null);
        Curves?.Write(writer);
        writer.Write(TailUnits.Count);
        foreach (var unit in TailUnits)
        {
            writer.Write(unit.UnitId);
            writer.Write(unit.Requests);
            writer.Write(unit.TailEntries.Count);
            foreach (var (slot, count) in unit.TailEntries)
            {
                writer.Write(slot);
                writer.Write(count);
            }
        }
    }

    internal static RequestArmAggregate Read(BinaryReader reader)
    {
        var arm = new RequestArmAggregate
        {
            Latency = AggregateFormat.ReadRatio(reader),
            Errors = AggregateFormat.ReadRatio(reader),
            RequestLatencies = new SampleSummary(reader.ReadInt64(), reader.ReadDouble(), reader.ReadDouble()),
            ErrorCount = reader.ReadInt64(),
            UnitsWithRequests = reader.ReadInt64(),
        };
        // The histogram read back is sparse or windowed; keep adding cheap by merging into a preallocated one.
        arm.Histogram.Merge(AggregateFormat.ReadHistogram(reader));
        var clients = reader.ReadInt32();
        for (var i = 0; i < clients; i++)
        {
            arm.Clients.Add(reader.ReadString(), AggregateFormat.ReadHistogram(reader));
        }
        if (reader.ReadBoolean())
        {
            arm.Curves = ClusteredCurves.Read(reader);
        }
        var units = reader.ReadInt32();
        for (var i = 0; i < units; i++)
        {
            var id = reader.ReadString();
            var requests = reader.ReadInt64();
            var entries = new (int, long)[reader.ReadInt32()];
            for (var j = 0; j < entries.Length; j++)
            {
                entries[j] = (reader.ReadInt32(), reader.ReadInt64());
            }
            arm.TailUnits.Add(new UnitTail(id, requests, entries));
        }
        return arm;
    }
}
