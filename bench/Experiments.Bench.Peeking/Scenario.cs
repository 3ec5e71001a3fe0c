namespace Experiments.Bench.Peeking;

/// <summary>
/// What the treatment changes: the relative change of the latency median (the primary KPI) and of the latency p99
/// (a guardrail), and the factor on the error rate (the other guardrail). The control's latency is log-normal and
/// its error rate fixed (see <see cref="TrafficModel"/>); "neutral" means exactly the control's value.
/// </summary>
internal sealed record Scenario(string Name, double P50Change, double P99Change, double ErrorFactor, string Expectation)
{
    public static readonly IReadOnlyList<Scenario> All =
    [
        new("harm-p99", -0.10, +0.35, 1.0, "SHIP at any look <= 5% (p99 harmed by 3.5x its 10% tolerance)"),
        new("harm-errors", -0.10, 0.0, 2.0, "SHIP at any look <= 5% (error rate harmed by 2x its 50% tolerance)"),
        new("aa", 0.0, 0.0, 1.0, "SHIP or ROLL_BACK at any look <= 5%"),
        new("improvement", -0.10, 0.0, 1.0, "SHIP by the last look in most runs"),
    ];

    /// <summary>Run only when named (<c>--scenarios</c>): the p99 guardrail harmed exactly at its 10% tolerance.</summary>
    public static readonly Scenario AtTolerance = new("harm-p99-at-tolerance", -0.10, +0.10, 1.0, "SHIP at any look <= 5% (p99 harmed by exactly its 10% tolerance)");

    public static Scenario Named(string name) =>
        All.Append(AtTolerance).FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"Unknown scenario '{name}'; known: {string.Join(", ", All.Append(AtTolerance).Select(s => s.Name))}.");
}
