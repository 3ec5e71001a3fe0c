using System.Globalization;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Rendering;

/// <summary>How numbers, times and intervals read in tables: invariant culture, units stated.</summary>
internal static class Formats
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Number(double value) => Finite(value, v => v.ToString("G4", Invariant));

    /// <summary>A percent given as a percent (rollout 12.5 → "12.5%").</summary>
    public static string PercentValue(double percent) => Finite(percent, v => v.ToString("0.##", Invariant) + "%");

    /// <summary>A share given as a fraction (0.123 → "12.3%").</summary>
    public static string Share(double fraction, bool signed = false) =>
        Finite(fraction, v => (signed && v > 0 ? "+" : "") + (v * 100).ToString(Math.Abs(v) < 0.001 ? "0.###" : "0.##", Invariant) + "%");

    /// <summary>A KPI's value in its natural unit.</summary>
    public static string KpiValue(KpiKind kind, double value, bool signed = false) => kind switch
    {
        KpiKind.LatencyMean or KpiKind.LatencyP50 or KpiKind.LatencyP95 or KpiKind.LatencyP99 =>
            Finite(value, v => (signed && v > 0 ? "+" : "") + v.ToString(Math.Abs(v) >= 100 ? "0.#" : "0.###", Invariant) + " ms"),
        KpiKind.ErrorRate or KpiKind.Availability or KpiKind.RetentionDayN =>
            signed ? Finite(value * 100, v => (v > 0 ? "+" : "") + v.ToString("0.###", Invariant) + " pp") : Share(value),
        KpiKind.Engagement => Finite(value, v => (signed && v > 0 ? "+" : "") + v.ToString("G4", Invariant) + "/unit"),
        _ => Finite(value, v => (signed && v > 0 ? "+" : "") + v.ToString("G4", Invariant)),
    };

    public static string Interval(ConfidenceInterval? interval, Func<double, string> format) =>
        interval is null ? "—" : $"[{Bound(interval.Lower, format)}, {Bound(interval.Upper, format)}]";

    public static string PValue(double p) => p switch
    {
        double.NaN => "—",
        < 0.0001 => "<0.0001",
        _ => p.ToString(p < 0.01 ? "0.0000" : "0.000", Invariant),
    };

    /// <summary>The coverage of an interval at error level <paramref name="alpha"/>: 0.05 → "95%".</summary>
    public static string Level(double alpha) => ((1 - alpha) * 100).ToString("0.##", Invariant) + "%";

    public static string Time(Timestamp? time) =>
        time is null ? "—" : time.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant);

    public static string Span(Duration? duration) => duration is null ? "—" : Span(duration.ToTimeSpan());

    public static string Span(TimeSpan span)
    {
        if (span.TotalDays >= 1)
        {
            return span.Hours == 0 ? $"{(int)span.TotalDays}d" : $"{(int)span.TotalDays}d {span.Hours}h";
        }
        if (span.TotalHours >= 1)
        {
            return span.Minutes == 0 ? $"{(int)span.TotalHours}h" : $"{(int)span.TotalHours}h {span.Minutes}m";
        }
        if (span.TotalMinutes >= 1)
        {
            return span.Seconds == 0 ? $"{(int)span.TotalMinutes}m" : $"{(int)span.TotalMinutes}m {span.Seconds}s";
        }
        return $"{span.TotalSeconds.ToString("0.#", Invariant)}s";
    }

    private static string Bound(double value, Func<double, string> format) => value switch
    {
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "-∞",
        _ => format(value),
    };

    private static string Finite(double value, Func<double, string> format) => value switch
    {
        double.NaN => "—",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "-∞",
        _ => format(value),
    };
}
