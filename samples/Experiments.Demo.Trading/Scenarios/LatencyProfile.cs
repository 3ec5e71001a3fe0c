namespace Experiments.Demo.Trading.Scenarios;

/// <summary>Latency (and error) distribution of one simulated step: a log-normal body with an optional uniform slow tail.</summary>
/// <param name="MedianMs">Median of the log-normal body; 0 means the step takes no time.</param>
/// <param name="Sigma">Log-normal shape of the body.</param>
/// <param name="TailProbability">Share of draws that hit the slow tail instead.</param>
/// <param name="TailMinMs">Tail latency lower bound (uniform).</param>
/// <param name="TailMaxMs">Tail latency upper bound (uniform).</param>
/// <param name="ErrorRate">Share of calls that fail.</param>
public sealed record LatencyProfile(double MedianMs, double Sigma = 0.25, double TailProbability = 0, double TailMinMs = 0, double TailMaxMs = 0, double ErrorRate = 0)
{
    /// <summary>A step that takes no time and never fails.</summary>
    public static readonly LatencyProfile None = new(0, 0);

    /// <summary>One latency draw.</summary>
    public TimeSpan Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (TailProbability > 0 && random.NextDouble() < TailProbability)
        {
            return TimeSpan.FromMilliseconds(TailMinMs + (random.NextDouble() * (TailMaxMs - TailMinMs)));
        }
        if (MedianMs <= 0)
        {
            return TimeSpan.Zero;
        }
        // Box–Muller normal draw for the log-normal body.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return TimeSpan.FromMilliseconds(MedianMs * Math.Exp(Sigma * z));
    }

    /// <summary>Whether this call fails.</summary>
    public bool Fails(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return ErrorRate > 0 && random.NextDouble() < ErrorRate;
    }
}
