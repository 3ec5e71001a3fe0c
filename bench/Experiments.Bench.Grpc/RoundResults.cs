namespace Experiments.Bench.Grpc;

/// <summary>The measurements of each endpoint in each measured round, and their medians.</summary>
internal sealed class RoundResults
{
    public List<Measurement> Ours { get; } = [];

    public List<Measurement> Bare { get; } = [];

    public double OursMedian => Median(Ours, m => m.Rate);

    public double BareMedian => Median(Bare, m => m.Rate);

    /// <summary>Ratio of the median rates, ours / bare.</summary>
    public double Ratio => OursMedian / BareMedian;

    /// <summary>Each round's ours / bare: a round's two runs are adjacent in time, so they share the machine's load.</summary>
    public double[] RoundRatios => Ours.Zip(Bare, (ours, bare) => ours.Rate / bare.Rate).ToArray();

    /// <summary>The median of <see cref="RoundRatios"/>: paired by time, the estimate least moved by other load.</summary>
    public double PairedRatio => Statistics.Median(RoundRatios);

    /// <summary>Ratio of the median server CPU time per item, bare / ours: like <see cref="Ratio"/>, higher is better for ours.</summary>
    public double CpuRatio => Median(Bare, m => m.CpuMicroseconds) / Median(Ours, m => m.CpuMicroseconds);

    /// <summary>
    /// Measures <paramref name="rounds"/> rounds, each running both endpoints back to back in the order of
    /// <see cref="BenchPair.OrderOfRound"/>; prints each round as it ends.
    /// </summary>
    public static async Task<RoundResults> MeasureAsync(BenchPair pair, int rounds, string unit, Func<BenchEndpoint, Task<Measurement>> measure)
    {
        var results = new RoundResults();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var endpoint in pair.OrderOfRound(round))
            {
                (endpoint.IsOurs ? results.Ours : results.Bare).Add(await measure(endpoint));
            }
            Console.WriteLine($"  round {round,2}: ours {results.Ours[^1].Rate,12:N0}  bare {results.Bare[^1].Rate,12:N0} {unit}/s");
        }
        return results;
    }

    /// <summary>A table of the rounds; <paramref name="unit"/> is what is counted, e.g. "req" or "msg".</summary>
    public void Print(string unit)
    {
        Console.WriteLine($"  {"round",-7}{"order",-10}{"ours " + unit + "/s",14}{"bare " + unit + "/s",14}{"ours/bare",11}"
            + $" | server CPU us/{unit}: {"ours",6}{"bare",7} | allocated B/{unit}: {"ours",6}{"bare",7}");
        for (var i = 0; i < Ours.Count; i++)
        {
            var order = i % 2 == 0 ? "ours,bare" : "bare,ours";
            var (ours, bare) = (Ours[i], Bare[i]);
            Console.WriteLine($"  {i + 1,-7}{order,-10}{ours.Rate,14:N0}{bare.Rate,14:N0}{ours.Rate / bare.Rate,11:F3}"
                + $" | {"",16}{ours.CpuMicroseconds,6:F2}{bare.CpuMicroseconds,7:F2} | {"",15}{ours.AllocatedBytes,6:F0}{bare.AllocatedBytes,7:F0}");
        }
        Console.WriteLine($"  {"median",-17}{OursMedian,14:N0}{BareMedian,14:N0}{Ratio,11:F3}"
            + $" | {"",16}{Median(Ours, m => m.CpuMicroseconds),6:F2}{Median(Bare, m => m.CpuMicroseconds),7:F2}"
            + $" | {"",15}{Median(Ours, m => m.AllocatedBytes),6:F0}{Median(Bare, m => m.AllocatedBytes),7:F0}");
        var ratios = RoundRatios;
        Console.WriteLine($"  ours/bare: ratio of medians {Ratio:F3}; rounds' ratios: median {PairedRatio:F3}, "
            + $"interquartile {Statistics.Quantile(ratios, 0.25):F3}..{Statistics.Quantile(ratios, 0.75):F3}; server CPU per {unit}, bare/ours: {CpuRatio:F3}");
    }

    private static double Median(List<Measurement> measurements, Func<Measurement, double> value) =>
        Statistics.Median(measurements.Select(value).ToArray());
}
