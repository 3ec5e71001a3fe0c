namespace Experiments.Bench.Grpc;

/// <summary>The measurements of each endpoint in each measured round, and their medians.</summary>
internal sealed class RoundResults
{
    public List<Measurement> GrpcDotnet { get; } = [];

    public List<Measurement> Bare { get; } = [];

    public double GrpcDotnetMedian => Median(GrpcDotnet, m => m.Rate);

    public double BareMedian => Median(Bare, m => m.Rate);

    /// <summary>Ratio of the median rates, grpc-dotnet / bare.</summary>
    public double Ratio => GrpcDotnetMedian / BareMedian;

    /// <summary>Each round's grpc-dotnet / bare: a round's two runs are adjacent in time, so they share the machine's load.</summary>
    public double[] RoundRatios => GrpcDotnet.Zip(Bare, (grpcDotnet, bare) => grpcDotnet.Rate / bare.Rate).ToArray();

    /// <summary>The median of <see cref="RoundRatios"/>: paired by time, the estimate least moved by other load.</summary>
    public double PairedRatio => Statistics.Median(RoundRatios);

    /// <summary>Ratio of the median server CPU time per item, bare / grpc-dotnet: like <see cref="Ratio"/>, higher is better for grpc-dotnet.</summary>
    public double CpuRatio => Median(Bare, m => m.CpuMicroseconds) / Median(GrpcDotnet, m => m.CpuMicroseconds);

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
                (endpoint.IsGrpcDotnet ? results.GrpcDotnet : results.Bare).Add(await measure(endpoint));
            }
            Console.WriteLine($"  round {round,2}: grpc-dotnet {results.GrpcDotnet[^1].Rate,12:N0}  bare {results.Bare[^1].Rate,12:N0} {unit}/s");
        }
        return results;
    }

    /// <summary>A table of the rounds; <paramref name="unit"/> is what is counted, e.g. "req" or "msg".</summary>
    public void Print(string unit)
    {
        Console.WriteLine($"  {"round",-7}{"order",-18}{"grpc-dotnet " + unit + "/s",19}{"bare " + unit + "/s",14}{"grpc-dotnet/bare",18}"
            + $" | server CPU us/{unit}: {"grpc-dotnet",12}{"bare",7} | allocated B/{unit}: {"grpc-dotnet",12}{"bare",7}");
        for (var i = 0; i < GrpcDotnet.Count; i++)
        {
            var order = i % 2 == 0 ? "grpc-dotnet,bare" : "bare,grpc-dotnet";
            var (grpcDotnet, bare) = (GrpcDotnet[i], Bare[i]);
            Console.WriteLine($"  {i + 1,-7}{order,-18}{grpcDotnet.Rate,19:N0}{bare.Rate,14:N0}{grpcDotnet.Rate / bare.Rate,18:F3}"
                + $" | {"",16}{grpcDotnet.CpuMicroseconds,12:F2}{bare.CpuMicroseconds,7:F2} | {"",15}{grpcDotnet.AllocatedBytes,12:F0}{bare.AllocatedBytes,7:F0}");
        }
        Console.WriteLine($"  {"median",-25}{GrpcDotnetMedian,19:N0}{BareMedian,14:N0}{Ratio,18:F3}"
            + $" | {"",16}{Median(GrpcDotnet, m => m.CpuMicroseconds),12:F2}{Median(Bare, m => m.CpuMicroseconds),7:F2}"
            + $" | {"",15}{Median(GrpcDotnet, m => m.AllocatedBytes),12:F0}{Median(Bare, m => m.AllocatedBytes),7:F0}");
        var ratios = RoundRatios;
        Console.WriteLine($"  grpc-dotnet/bare: ratio of medians {Ratio:F3}; rounds' ratios: median {PairedRatio:F3}, "
            + $"interquartile {Statistics.Quantile(ratios, 0.25):F3}..{Statistics.Quantile(ratios, 0.75):F3}; server CPU per {unit}, bare/grpc-dotnet: {CpuRatio:F3}");
    }

    private static double Median(List<Measurement> measurements, Func<Measurement, double> value) =>
        Statistics.Median(measurements.Select(value).ToArray());
}
