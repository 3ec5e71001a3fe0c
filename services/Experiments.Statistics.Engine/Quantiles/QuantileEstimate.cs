using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>A quantile of one arm with its uncertainty.</summary>
/// <param name="Probability">The quantile level p (0.99 for p99).</param>
/// <param name="Estimate">The sample quantile in milliseconds (interpolated within its histogram bucket).</param>
/// <param name="Ci">Confidence interval for the population quantile; infinite bounds mean too little data on that side.</param>
/// <param name="StandardError">
/// Standard error of <paramref name="Estimate"/>, read from the width of the outer interval:
/// (upper - lower) / (2 z); +∞ when that interval is unbounded.
/// </param>
/// <param name="Requests">Requests in the arm.</param>
/// <param name="Units">Randomization units in the arm (equal to <paramref name="Requests"/> for request-level randomization).</param>
/// <param name="Method">How the interval was computed, for people reading a verdict.</param>
public sealed record QuantileEstimate(
    double Probability,
    double Estimate,
    ConfidenceInterval Ci,
    double StandardError,
    long Requests,
    long Units,
    string Method);
