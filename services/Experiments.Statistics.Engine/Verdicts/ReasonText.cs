using System.Globalization;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>Sentences a person can read: "p99 latency of PlaceOrder 12.4% lower in fast (always-valid 95% CI −15.1% to −9.6%)".</summary>
internal static class ReasonText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Label(MetricDefinition metric)
    {
        var what = metric.Kind switch
        {
            MetricKind.LatencyMean => "mean latency",
            MetricKind.LatencyP50 => "p50 latency",
            MetricKind.LatencyP95 => "p95 latency",
            MetricKind.LatencyP99 => "p99 latency",
            MetricKind.ErrorRate => "error rate",
            MetricKind.Availability => "availability",
            MetricKind.RetentionDayN => string.Create(Invariant, $"day-{metric.RetentionDay} retention"),
            MetricKind.Engagement => "engagement" + (metric.ActivityName.Length > 0 ? " (" + metric.ActivityName + ")" : ""),
            _ => metric.MetricName,
        };
        var api = metric.IsRequestBased && metric.ApiName.Length > 0 ? " of " + metric.ApiName : "";
        return $"{what}{api} [{metric.Key}]";
    }

    public static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (fraction * 100).ToString("0.0#", Invariant) + "%" : fraction > 0 ? "+∞" : fraction < 0 ? "−∞" : "n/a";

    public static string Change(double relative) =>
        !double.IsFinite(relative) ? "changed by an undefined amount"
        : relative >= 0 ? Percent(relative) + " higher" : Percent(-relative) + " lower";

    public static string Interval(ConfidenceInterval ci, double alpha, string kind = "always-valid") =>
        string.Create(Invariant, $"{kind} {(1 - alpha) * 100:0.#}% CI {Percent(ci.Lower)} to {Percent(ci.Upper)}");

    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString(Math.Abs(value) >= 1e-3 || value == 0 ? "0.####" : "0.###e0", Invariant) : value.ToString(Invariant);

    // Below ~1e-300 the always-valid p-value underflows to 0; "0e0" would claim certainty.
    public static string PValue(double p) =>
        double.IsNaN(p) ? "n/a" : p < 1e-300 ? "< 1e-300" : p.ToString(p >= 1e-3 ? "0.####" : "0.##e0", Invariant);

    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 2 ? string.Create(Invariant, $"{span.TotalDays:0.#} d")
        : span.TotalHours >= 2 ? string.Create(Invariant, $"{span.TotalHours:0.#} h")
        : span.TotalMinutes >= 2 ? string.Create(Invariant, $"{span.TotalMinutes:0} min")
        : string.Create(Invariant, $"{Math.Ceiling(span.TotalSeconds):0} s");
}
