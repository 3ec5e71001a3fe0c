using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>The Hodges–Lehmann shift of treatment against control, with its Moses confidence interval.</summary>
/// <param name="Shift">Median of all pairwise differences treatment - control, in milliseconds.</param>
/// <param name="Ci">Interval for the shift; unbounded when the samples are too small for the requested level.</param>
/// <param name="ControlN">Control sample size.</param>
/// <param name="TreatmentN">Treatment sample size.</param>
public sealed record HodgesLehmannEstimate(double Shift, ConfidenceInterval Ci, long ControlN, long TreatmentN);
