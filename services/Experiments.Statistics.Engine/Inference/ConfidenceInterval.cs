namespace Experiments.Statistics.Engine.Inference;

/// <summary>A two-sided interval; infinite bounds mean "unbounded".</summary>
public readonly record struct ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>The interval that excludes nothing, reported when an effect cannot be estimated.</summary>
    public static ConfidenceInterval Unbounded { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>Whether <paramref name="value"/> lies in the closed interval.</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>Whether the interval lies entirely above or entirely below zero.</summary>
    public bool ExcludesZero => Lower > 0 || Upper < 0;

    /// <summary>Upper minus lower bound.</summary>
    public double Width => Upper - Lower;

    /// <summary>The interval <paramref name="center"/> ± <paramref name="halfWidth"/>.</summary>
    public static ConfidenceInterval Around(double center, double halfWidth) => new(center - halfWidth, center + halfWidth);
}
