using Experiments.Assignment.Tests.Support;

namespace Experiments.Assignment.Tests.Unit;

/// <summary>The χ² helpers the property tests rely on, against scipy.</summary>
public sealed class ChiSquareTests
{
    [Fact]
    public void Independence_statistic_matches_scipy_chi2_contingency_without_correction()
    {
        // scipy.stats.chi2_contingency([[10,20,5],[30,25,12]], correction=False)[0]
        Assert.Equal(3.769722814498934, ChiSquare.Independence(new long[,] { { 10, 20, 5 }, { 30, 25, 12 } }), 12);
    }

    [Fact]
    public void Goodness_of_fit_statistic_matches_scipy_chisquare()
    {
        // scipy.stats.chisquare([48,35,17], f_exp=[50,30,20])[0]
        Assert.Equal(1.3633333333333333, ChiSquare.GoodnessOfFit([48, 35, 17], [0.5, 0.3, 0.2]), 12);
    }
}
