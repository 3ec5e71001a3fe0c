namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// The outcome of comparing a treatment arm with the control arm on one metric.
/// Effects are treatment minus control; the relative effect is (treatment - control) / control.
/// </summary>
public sealed record TestResult(
    string TestName,
    double ControlEstimate,
    double TreatmentEstimate,
    long ControlN,
    long TreatmentN,
    double AbsoluteEffect,
    ConfidenceInterval AbsoluteCi,
    double RelativeEffect,
    ConfidenceInterval RelativeCi,
    double PValue)
{
    /// <summary>The test statistic (t or z, treatment minus control); NaN for tests without one.</summary>
    public double Statistic { get; init; } = double.NaN;

    /// <summary>Degrees of freedom of the t reference distribution; +∞ for normal-theory tests, NaN when not applicable.</summary>
    public double DegreesOfFreedom { get; init; } = double.NaN;
}
