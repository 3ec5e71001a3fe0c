using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Means;
using Experiments.Statistics.Engine.Proportions;
using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Ratios;
using Experiments.Statistics.Engine.Sequential;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// Per KPI, the arm estimates and the test the randomization unit calls for (DESIGN §5): ratio metrics with the
/// delta method over units for users and sessions; Welch, two-proportion z / Fisher, and order-statistic quantiles
/// with Mann–Whitney and Hodges–Lehmann for requests; clustered quantiles; proportions for retention; Welch over
/// per-unit values for engagement and custom metrics. Every comparison also gets the always-valid one.
/// </summary>
internal sealed class MetricEvaluator(ExperimentAggregate aggregate, NormalMixtureConfidenceSequence sequence, long asOfUnixSeconds)
{
    private readonly ExperimentDefinition _definition = aggregate.Definition;

    public (string TestName, ArmResult[] Arms, List<KpiComparison> Comparisons, List<string> Caveats) Evaluate(int k)
    {
        var metric = _definition.Metrics[k];
        var arms = _definition.Variants.Count;
        var control = _definition.ControlIndex;
        var estimates = new ArmEstimate[arms];
        var results = new ArmResult[arms];
        var caveats = new List<string>();
        var comparisons = new List<KpiComparison>();
        var request = _definition.Unit == RandomizationUnitKind.Request;
        string testName;
        QuantileEstimate?[] quantiles = new QuantileEstimate?[arms];
        for (var a = 0; a < arms; a++)
        {
            (estimates[a], results[a], quantiles[a]) = ArmOf(k, a);
        }
        testName = TestName(metric, request);
        for (var a = 0; a < arms; a++)
        {
            if (a == control)
            {
                continue;
            }
            var fixedTest = FixedTest(k, control, a, quantiles);
            if (fixedTest is null)
            {
                continue;
            }
            var sequential = estimates[control].Units >= 2 && estimates[a].Units >= 2
                && double.IsFinite(estimates[control].Variance) && double.IsFinite(estimates[a].Variance)
                ? sequence.Compare(estimates[control], estimates[a])
                : null;
            if (sequential is null)
            {
                continue;
            }
            comparisons.Add(new KpiComparison(a, estimates[control], estimates[a], fixedTest, sequential, Supplementary(k, control, a)));
        }
        if (metric.Kind == MetricKind.RetentionDayN)
        {
            caveats.Add($"day-{metric.RetentionDay} retention counts units exposed at least {metric.RetentionDay + 1} days before the data's latest event");
        }
        return (testName, results, comparisons, caveats);
    }

    private static string TestName(MetricDefinition metric, bool request) => metric.Kind switch
    {
        MetricKind.LatencyMean => request ? WelchTTest.Name : RatioMetricTest.Name,
        MetricKind.ErrorRate or MetricKind.Availability => request ? "two-proportion z-test (Fisher exact test when counts are small)" : RatioMetricTest.Name,
        MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99 => request
            ? "quantile difference, order-statistic interval"
            : "clustered quantile difference (delta method, Deng, Knoblich & Lu 2018)",
        MetricKind.RetentionDayN => "two-proportion z-test (Fisher exact test when counts are small)",
        _ => WelchTTest.Name + " on per-unit values",
    };

    private (ArmEstimate Estimate, ArmResult Result, QuantileEstimate? Quantile) ArmOf(int k, int a)
    {
        var metric = _definition.Metrics[k];
        var key = _definition.Variants[a].Key;
        var request = _definition.Unit == RandomizationUnitKind.Request;
        var group = aggregate.Layout.GroupOf[k];
        switch (metric.Kind)
        {
            case MetricKind.LatencyMean:
            {
                var arm = aggregate.Requests[group][a];
                var estimate = request ? arm.RequestLatencies.ToEstimate() : UnitRatio(arm.Latency);
                return (estimate, new ArmResult(key, arm.UnitsWithRequests, arm.Requests, estimate.Value, estimate.StandardError, Quantiles(arm.Histogram)), null);
            }
            case MetricKind.ErrorRate or MetricKind.Availability:
            {
                var arm = aggregate.Requests[group][a];
                var availability = metric.Kind == MetricKind.Availability;
                ArmEstimate estimate;
                if (request)
                {
                    var counts = Counts(arm, availability);
                    estimate = counts.Trials > 0 ? counts.ToEstimate() : new ArmEstimate(double.NaN, double.NaN, 0);
                }
                else
                {
                    estimate = UnitRatio(availability ? Complement(arm.Errors) : arm.Errors);
                }
                return (estimate, new ArmResult(key, arm.UnitsWithRequests, arm.Requests, estimate.Value, estimate.StandardError, null), null);
            }
            case MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99:
            {
                var arm = aggregate.Requests[group][a];
                var quantile = QuantileOf(arm, metric.QuantileProbability);
                var estimate = quantile is null
                    ? new ArmEstimate(double.NaN, double.NaN, request ? arm.Requests : arm.UnitsWithRequests)
                    : new ArmEstimate(quantile.Estimate, quantile.StandardError * quantile.StandardError, quantile.Units);
                return (estimate, new ArmResult(key, arm.UnitsWithRequests, arm.Requests, estimate.Value, estimate.StandardError, Quantiles(arm.Histogram))
                {
                    EstimateCi = quantile?.Ci,
                }, quantile);
            }
            case MetricKind.RetentionDayN:
            {
                var counts = aggregate.Retention[k]![a].Eligible(metric.RetentionDay, asOfUnixSeconds);
                var estimate = counts.Trials > 0 ? counts.ToEstimate() : new ArmEstimate(double.NaN, double.NaN, 0);
                return (estimate, new ArmResult(key, counts.Trials, counts.Trials, estimate.Value, estimate.StandardError, null), null);
            }
            default:
            {
                var moments = aggregate.Moments[k]![a];
                var summary = moments.ToSummary();
                var estimate = summary.Count > 0 ? summary.ToEstimate() : new ArmEstimate(double.NaN, double.NaN, 0);
                return (estimate, new ArmResult(key, summary.Count, (long)Math.Round(metric.Kind == MetricKind.Engagement ? moments.Sum : summary.Count), estimate.Value, estimate.StandardError, null), null);
            }
        }
    }

    private TestResult? FixedTest(int k, int control, int a, QuantileEstimate?[] quantiles)
    {
        var metric = _definition.Metrics[k];
        var alpha = _definition.Alpha;
        var request = _definition.Unit == RandomizationUnitKind.Request;
        var group = aggregate.Layout.GroupOf[k];
        switch (metric.Kind)
        {
            case MetricKind.LatencyMean:
            {
                var c = aggregate.Requests[group][control];
                var t = aggregate.Requests[group][a];
                if (request)
                {
                    return c.RequestLatencies.Count >= 2 && t.RequestLatencies.Count >= 2 ? WelchTTest.Compare(c.RequestLatencies, t.RequestLatencies, alpha) : null;
                }
                return RatioReady(c.Latency) && RatioReady(t.Latency) ? RatioMetricTest.Compare(c.Latency, t.Latency, alpha) : null;
            }
            case MetricKind.ErrorRate or MetricKind.Availability:
            {
                var c = aggregate.Requests[group][control];
                var t = aggregate.Requests[group][a];
                var availability = metric.Kind == MetricKind.Availability;
                if (request)
                {
                    var cc = Counts(c, availability);
                    var tc = Counts(t, availability);
                    return cc.Trials >= 2 && tc.Trials >= 2 ? ProportionTest.Compare(cc, tc, alpha) : null;
                }
                var cr = availability ? Complement(c.Errors) : c.Errors;
                var tr = availability ? Complement(t.Errors) : t.Errors;
                return RatioReady(cr) && RatioReady(tr) ? RatioMetricTest.Compare(cr, tr, alpha) : null;
            }
            case MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99:
                return quantiles[control] is { } qc && quantiles[a] is { } qt ? QuantileDifference.Compare(qc, qt, alpha) : null;
            case MetricKind.RetentionDayN:
            {
                var c = aggregate.Retention[k]![control].Eligible(metric.RetentionDay, asOfUnixSeconds);
                var t = aggregate.Retention[k]![a].Eligible(metric.RetentionDay, asOfUnixSeconds);
                return c.Trials >= 2 && t.Trials >= 2 ? ProportionTest.Compare(c, t, alpha) : null;
            }
            default:
            {
                var c = aggregate.Moments[k]![control].ToSummary();
                var t = aggregate.Moments[k]![a].ToSummary();
                return c.Count >= 2 && t.Count >= 2 ? WelchTTest.Compare(c, t, alpha) : null;
            }
        }
    }

    private List<SupplementaryResult> Supplementary(int k, int control, int a)
    {
        var metric = _definition.Metrics[k];
        var result = new List<SupplementaryResult>();
        if (_definition.Unit != RandomizationUnitKind.Request || metric.Kind is not (MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99 or MetricKind.LatencyMean))
        {
            return result;
        }
        var group = aggregate.Layout.GroupOf[k];
        var c = aggregate.Requests[group][control].Histogram;
        var t = aggregate.Requests[group][a].Histogram;
        if (c.Count < 2 || t.Count < 2)
        {
            return result;
        }
        var mannWhitney = MannWhitneyU.Test(c, t);
        var shift = HodgesLehmann.Estimate(c, t, _definition.Alpha);
        result.Add(new SupplementaryResult("Mann–Whitney U (tie-corrected, bucketed) with Hodges–Lehmann shift", mannWhitney.U, mannWhitney.PValue, shift.Shift, shift.Ci));
        return result;
    }

    private QuantileEstimate? QuantileOf(RequestArmAggregate arm, double probability)
    {
        if (arm.Histogram.Count < 2)
        {
            return null;
        }
        if (_definition.Unit == RandomizationUnitKind.Request)
        {
            return RequestLevelQuantile.Estimate(arm.Histogram, probability, _definition.Alpha);
        }
        if (arm.Curves is not { Units: >= 2 } curves)
        {
            return null;
        }
        var threshold = QuantileThreshold.Of(arm.Histogram, probability);
        var position = threshold.Position;
        var below = arm.Histogram.CountBelow(position);
        var variance = curves.ProportionVariance(position.Slot, position.Fraction, below);
        var (ci, standardError) = OuterInterval.FromProportion(arm.Histogram, probability, Math.Sqrt(variance), _definition.Alpha);
        return new QuantileEstimate(probability, threshold.Value, ci, standardError, arm.Histogram.Count, curves.Units,
            "outer interval, delta-method variance over units (Deng, Knoblich & Lu 2018)");
    }

    private static (double, double, double)? Quantiles(LogHistogram histogram) =>
        histogram.Count == 0 ? null : (histogram.Quantile(0.5), histogram.Quantile(0.95), histogram.Quantile(0.99));

    private static ArmEstimate UnitRatio(RatioMetricStatistics statistics) =>
        RatioReady(statistics) ? statistics.ToEstimate() : new ArmEstimate(double.NaN, double.NaN, statistics.Units);

    private static bool RatioReady(RatioMetricStatistics statistics) => statistics.Units >= 2 && statistics.SumDenominator > 0;

    private static BinomialCounts Counts(RequestArmAggregate arm, bool availability) =>
        new(availability ? arm.Requests - arm.ErrorCount : arm.ErrorCount, arm.Requests);

    // Successes per unit x' = y − x: the availability ratio from the error ratio's sums.
    private static RatioMetricStatistics Complement(RatioMetricStatistics errors) => new(
        errors.Units,
        errors.SumDenominator - errors.SumNumerator,
        errors.SumDenominator,
        errors.SumDenominatorSquares - 2 * errors.SumCrossProducts + errors.SumNumeratorSquares,
        errors.SumDenominatorSquares,
        errors.SumDenominatorSquares - errors.SumCrossProducts);
}
