namespace Experiments.Demo.Trading;

/// <summary>The effect planted in the new order router (the treatment), relative to the current one (the control).</summary>
public enum Scenario
{
    /// <summary>New router faster at p50 but with a slow tail: worse at p99 (expected verdict: ROLL_BACK).</summary>
    P99Regression,

    /// <summary>New router faster at p50 and at p99, same errors (expected verdict: SHIP).</summary>
    Improvement,

    /// <summary>Both arms identical (A/A: expected neither SHIP nor ROLL_BACK).</summary>
    AA,

    /// <summary>New router faster, but the broker rejects three times as many of its orders (expected: ROLL_BACK).</summary>
    Errors,
}

/// <summary>Latency and error distribution of the simulated external broker as seen through one router.</summary>
/// <param name="MedianMs">Median of the log-normal body.</param>
/// <param name="Sigma">Log-normal shape of the body.</param>
/// <param name="TailProbability">Share of calls that hit the slow tail instead.</param>
/// <param name="TailMinMs">Tail latency lower bound (uniform).</param>
/// <param name="TailMaxMs">Tail latency upper bound (uniform).</param>
/// <param name="ErrorRate">Share of calls the broker rejects.</param>
public sealed record BrokerProfile(double MedianMs, double Sigma, double TailProbability, double TailMinMs, double TailMaxMs, double ErrorRate)
{
    /// <summary>One latency draw, in milliseconds.</summary>
    public double SampleLatencyMs(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (random.NextDouble() < TailProbability)
        {
            return TailMinMs + (random.NextDouble() * (TailMaxMs - TailMinMs));
        }
        // Box–Muller normal draw for the log-normal body.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return MedianMs * Math.Exp(Sigma * z);
    }
}

/// <summary>The broker profiles of both routers for a scenario.</summary>
public sealed record ScenarioProfiles(Scenario Scenario, BrokerProfile Current, BrokerProfile New)
{
    /// <summary>
    /// The current router: ~24 ms median, a light tail to ~80 ms, 2% broker errors. Errors at 2% (not rarer) let a demo
    /// run of ~2,000 users show the error-rate guardrail within its 50% tolerance, which SHIP needs.
    /// </summary>
    public static readonly BrokerProfile Baseline = new(MedianMs: 24, Sigma: 0.25, TailProbability: 0.01, TailMinMs: 50, TailMaxMs: 80, ErrorRate: 0.02);

    /// <summary>Profiles for <paramref name="scenario"/>.</summary>
    public static ScenarioProfiles For(Scenario scenario) => scenario switch
    {
        Scenario.P99Regression => new(scenario, Baseline, Baseline with { MedianMs = 16, TailProbability = 0.04, TailMinMs = 180, TailMaxMs = 260 }),
        Scenario.Improvement => new(scenario, Baseline, Baseline with { MedianMs = 16, TailMinMs = 30, TailMaxMs = 45 }),
        Scenario.AA => new(scenario, Baseline, Baseline),
        Scenario.Errors => new(scenario, Baseline, Baseline with { MedianMs = 18, ErrorRate = 3 * Baseline.ErrorRate }),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    /// <summary>Parses a scenario name as written on the command line: p99-regression, improvement, aa, errors.</summary>
    public static bool TryParse(string? text, out Scenario scenario)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "p99-regression" or "p99regression" or "regression":
                scenario = Scenario.P99Regression;
                return true;
            case "improvement":
                scenario = Scenario.Improvement;
                return true;
            case "aa" or "a/a" or "a-a":
                scenario = Scenario.AA;
                return true;
            case "errors" or "broker-errors":
                scenario = Scenario.Errors;
                return true;
            default:
                scenario = default;
                return false;
        }
    }
}
