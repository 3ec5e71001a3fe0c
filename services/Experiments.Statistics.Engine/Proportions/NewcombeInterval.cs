using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// Newcombe's hybrid score interval for a difference of two independent proportions (Newcombe 1998,
/// method 10), as statsmodels confint_proportions_2indep(compare='diff', method='newcomb').
/// </summary>
/// <remarks>
/// Built from the two Wilson intervals, it keeps close to nominal coverage with few events, which is when
/// <see cref="ProportionTest"/> switches to Fisher's exact test and the Wald interval would be misleading.
/// </remarks>
public static class NewcombeInterval
{
    /// <summary>The interval for rate(treatment) − rate(control) at level 1 − <paramref name="alpha"/>.</summary>
    public static ConfidenceInterval ForDifference(BinomialCounts control, BinomialCounts treatment, double alpha = 0.05)
    {
        var pt = treatment.Rate;
        var pc = control.Rate;
        var t = WilsonScoreInterval.Of(treatment, alpha);
        var c = WilsonScoreInterval.Of(control, alpha);
        var difference = pt - pc;
        var below = Math.Sqrt((pt - t.Lower) * (pt - t.Lower) + (c.Upper - pc) * (c.Upper - pc));
        var above = Math.Sqrt((pc - c.Lower) * (pc - c.Lower) + (t.Upper - pt) * (t.Upper - pt));
        return new ConfidenceInterval(difference - below, difference + above);
    }
}
