using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Simulation.Quantiles;

/// <summary>
/// One arm of a user-randomized experiment: each user has a latency level of their own (a log-normal random
/// effect, think region or device) and a varying number of requests; requests of one user are therefore
/// correlated. log latency = ln(median) + ln(effect) + b_u + e_ur with b_u ~ N(0, σ_b²), e_ur ~ N(0, σ_e²), and
/// requests per user 1 + ⌊Exp(mean - 1)⌋, independent of b_u.
/// </summary>
internal sealed record ClusteredLatencySimulation(int Users, double MeanRequests, double Median, double UserSigma, double RequestSigma)
{
    /// <summary>
    /// The arm's population quantile of requests: with requests per user independent of the user effect, the
    /// request-weighted mixture is log-normal with σ² = σ_b² + σ_e².
    /// </summary>
    public double TrueQuantile(double probability, double effect) =>
        Median * effect * Math.Exp(Math.Sqrt(UserSigma * UserSigma + RequestSigma * RequestSigma) * MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, probability));

    /// <summary>The per-user histograms and their merge, as the streaming aggregator would hold them.</summary>
    public (LogHistogram Arm, List<LogHistogram> Units) Generate(Random random, double effect)
    {
        var arm = new LogHistogram();
        var units = new List<LogHistogram>(Users);
        var logCenter = Math.Log(Median * effect);
        var normal = new NormalPairs(random);
        for (var u = 0; u < Users; u++)
        {
            var level = logCenter + UserSigma * normal.Next();
            var requests = 1 + (int)(-Math.Log(1 - random.NextDouble()) * (MeanRequests - 1));
            var unit = new LogHistogram();
            for (var r = 0; r < requests; r++)
            {
                unit.Add(Math.Exp(level + RequestSigma * normal.Next()));
            }
            arm.Merge(unit);
            units.Add(unit);
        }
        return (arm, units);
    }

    // Box–Muller gives two independent normals per draw; using both halves the cost of the simulation.
    private sealed class NormalPairs(Random random)
    {
        private double _spare = double.NaN;

        public double Next()
        {
            if (!double.IsNaN(_spare))
            {
                var spare = _spare;
                _spare = double.NaN;
                return spare;
            }
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var angle = 2 * Math.PI * random.NextDouble();
            _spare = radius * Math.Sin(angle);
            return radius * Math.Cos(angle);
        }
    }
}
