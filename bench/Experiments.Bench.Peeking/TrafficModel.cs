namespace Experiments.Bench.Peeking;

/// <summary>
/// The simulated users' requests. Control: latency log-normal with median <see cref="ControlMedianMs"/> and log-scale
/// <see cref="ControlSigma"/> (p99 = median·e^(2.326σ) ≈ 64 ms), errors Bernoulli(<see cref="ControlErrorRate"/>).
/// Treatment: the median moved by the scenario's p50 change and σ chosen so that the p99 moves by its p99 change
/// exactly (a log-normal's quantiles are median·e^(zσ)); the error rate multiplied by its factor. Every user makes
/// <see cref="MinRequests"/> to <see cref="MaxRequests"/> requests, independently.
/// </summary>
internal sealed class TrafficModel(Scenario scenario)
{
    public const double ControlMedianMs = 20;
    public const double ControlSigma = 0.5;
    public const double ControlErrorRate = 0.02;
    public const int MinRequests = 3;
    public const int MaxRequests = 7;

    // Φ⁻¹(0.99).
    private const double Z99 = 2.3263478740408408;

    private readonly (double Mu, double Sigma, double ErrorRate) _control = (Math.Log(ControlMedianMs), ControlSigma, ControlErrorRate);
    private readonly (double Mu, double Sigma, double ErrorRate) _treatment = Treatment(scenario);

    /// <summary>The requests one user makes: latency in ms and whether the call failed.</summary>
    public IEnumerable<(double LatencyMs, bool Error)> Requests(Random random, bool treatment)
    {
        var (mu, sigma, errorRate) = treatment ? _treatment : _control;
        var count = random.Next(MinRequests, MaxRequests + 1);
        for (var i = 0; i < count; i++)
        {
            yield return (Math.Exp(mu + sigma * StandardNormal(random)), random.NextDouble() < errorRate);
        }
    }

    private static (double Mu, double Sigma, double ErrorRate) Treatment(Scenario scenario)
    {
        var mu = Math.Log(ControlMedianMs * (1 + scenario.P50Change));
        var controlP99 = ControlMedianMs * Math.Exp(Z99 * ControlSigma);
        var sigma = (Math.Log(controlP99 * (1 + scenario.P99Change)) - mu) / Z99;
        return (mu, sigma, ControlErrorRate * scenario.ErrorFactor);
    }

    // Box–Muller; one of the pair is enough here.
    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
