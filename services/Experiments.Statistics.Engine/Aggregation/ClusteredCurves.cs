using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// The per-unit sums a clustered quantile interval needs, for every bucket boundary at once, so that shards can
/// add them up without knowing the merged arm's quantile in advance.
/// </summary>
/// <remarks>
/// For unit u let S_u(b) be its requests in slots below b, c_u(b) its requests in slot b and N_u all its requests.
/// The indicator sum at a threshold inside slot b at fraction f is S_u = S_u(b) + f·c_u(b), and the clustered
/// variance needs Σ(S_u − p·N_u)². Expanded, that takes, per slot, ΣS_u(b)², ΣS_u(b)c_u(b), Σc_u(b)², ΣS_u(b)N_u and
/// Σc_u(b)N_u, plus ΣN_u² and the unit count — all additive over disjoint units. Built from the units' sparse
/// histograms in O(entries + slots) with difference arrays.
/// </remarks>
public sealed class ClusteredCurves
{
    internal const int Slots = LogBucketMapping.BucketCount + 2;

    internal double[] BelowSquares { get; } = new double[Slots];
    internal double[] BelowTimesIn { get; } = new double[Slots];
    internal double[] InSquares { get; } = new double[Slots];
    internal double[] BelowTimesTotal { get; } = new double[Slots];
    internal double[] InTimesTotal { get; } = new double[Slots];

    /// <summary>Σ N_u².</summary>
    public double TotalSquares { get; internal set; }

    /// <summary>Units, with or without requests.</summary>
    public long Units { get; internal set; }

    /// <summary>Σ N_u.</summary>
    public long Requests { get; internal set; }

    internal static ClusteredCurves Build(UnitHistograms histograms, IEnumerable<int> units)
    {
        var curves = new ClusteredCurves();
        // Difference arrays for the range-constant terms S_u(b)² and S_u(b)·N_u.
        var squaresDelta = new double[Slots + 1];
        var totalDelta = new double[Slots + 1];
        foreach (var unit in units)
        {
            curves.Units++;
            var entries = histograms.Entries(unit);
            if (entries.IsEmpty)
            {
                continue;
            }
            long total = 0;
            foreach (var entry in entries)
            {
                total += UnitHistograms.CountOf(entry);
            }
            double n = total;
            curves.Requests += total;
            curves.TotalSquares += n * n;
            long below = 0;
            var i = 0;
            while (i < entries.Length)
            {
                var slot = UnitHistograms.SlotOf(entries[i]);
                long inSlot = 0;
                while (i < entries.Length && UnitHistograms.SlotOf(entries[i]) == slot)
                {
                    inSlot += UnitHistograms.CountOf(entries[i]);
                    i++;
                }
                curves.BelowTimesIn[slot] += (double)below * inSlot;
                curves.InSquares[slot] += (double)inSlot * inSlot;
                curves.InTimesTotal[slot] += inSlot * n;
                below += inSlot;
                // S_u(b) = below for b in (slot, next slot]; up to the last slot after the final entry.
                var next = i < entries.Length ? UnitHistograms.SlotOf(entries[i]) : Slots - 1;
                var b2 = (double)below * below;
                squaresDelta[slot + 1] += b2;
                squaresDelta[next + 1] -= b2;
                totalDelta[slot + 1] += below * n;
                totalDelta[next + 1] -= below * n;
            }
        }
        double squares = 0, totals = 0;
        for (var b = 0; b < Slots; b++)
        {
            squares += squaresDelta[b];
            totals += totalDelta[b];
            curves.BelowSquares[b] = squares;
            curves.BelowTimesTotal[b] = totals;
        }
        return curves;
    }

    /// <summary>Adds another shard's curves (disjoint units).</summary>
    public void Merge(ClusteredCurves other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var b = 0; b < Slots; b++)
        {
            BelowSquares[b] += other.BelowSquares[b];
            BelowTimesIn[b] += other.BelowTimesIn[b];
            InSquares[b] += other.InSquares[b];
            BelowTimesTotal[b] += other.BelowTimesTotal[b];
            InTimesTotal[b] += other.InTimesTotal[b];
        }
        TotalSquares += other.TotalSquares;
        Units += other.Units;
        Requests += other.Requests;
    }

    /// <summary>
    /// Σ_u (S_u − p·N_u)² for the threshold in <paramref name="slot"/> at <paramref name="fraction"/> of its count,
    /// with p̂ = ΣS_u/ΣN_u taken from the same sums (the delta-method variance of the indicator ratio).
    /// </summary>
    internal double ProportionVariance(int slot, double fraction, double belowTotal)
    {
        if (Units < 2 || Requests == 0)
        {
            return double.NaN;
        }
        double n = Requests;
        var p = belowTotal / n;
        var f = fraction;
        var sumS2 = BelowSquares[slot] + 2 * f * BelowTimesIn[slot] + f * f * InSquares[slot];
        var sumSN = BelowTimesTotal[slot] + f * InTimesTotal[slot];
        var squares = sumS2 - 2 * p * sumSN + p * p * TotalSquares;
        return Math.Max(0, squares) * Units / ((Units - 1) * n * n);
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Units);
        writer.Write(Requests);
        writer.Write(TotalSquares);
        foreach (var array in new[] { BelowSquares, BelowTimesIn, InSquares, BelowTimesTotal, InTimesTotal })
        {
            foreach (var value in array)
            {
                writer.Write(value);
            }
        }
    }

    internal static ClusteredCurves Read(BinaryReader reader)
    {
        var curves = new ClusteredCurves { Units = reader.ReadInt64(), Requests = reader.ReadInt64(), TotalSquares = reader.ReadDouble() };
        foreach (var array in new[] { curves.BelowSquares, curves.BelowTimesIn, curves.InSquares, curves.BelowTimesTotal, curves.InTimesTotal })
        {
            for (var b = 0; b < Slots; b++)
            {
                array[b] = reader.ReadDouble();
            }
        }
        return curves;
    }
}
