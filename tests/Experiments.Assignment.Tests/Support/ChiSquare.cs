namespace Experiments.Assignment.Tests.Support;

/// <summary>
/// Pearson's χ² statistics and the critical values they are compared with. The critical values are the 0.999
/// quantiles of the χ² distribution, computed with scipy 1.x: <c>scipy.stats.chi2.ppf(0.999, df)</c> =
/// 10.827566170662733 (df 1), 13.815510557964274 (df 2), 16.26623619623813 (df 3), 18.46682695290317 (df 4).
/// A correct uniform hash exceeds them with probability 0.1%; the hashes are deterministic, so a test either
/// always passes or always fails.
/// </summary>
internal static class ChiSquare
{
    public static double Critical999(int degreesOfFreedom) => degreesOfFreedom switch
    {
        1 => 10.827566170662733,
        2 => 13.815510557964274,
        3 => 16.26623619623813,
        4 => 18.46682695290317,
        _ => throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom)),
    };

    /// <summary>Goodness of fit of observed counts to expected shares (summing to 1).</summary>
    public static double GoodnessOfFit(long[] observed, double[] expectedShares)
    {
        var total = observed.Sum();
        var statistic = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var expected = total * expectedShares[i];
            statistic += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return statistic;
    }

    /// <summary>Independence in an r×c contingency table (no continuity correction; df = (r-1)(c-1)).</summary>
    public static double Independence(long[,] table)
    {
        var rows = table.GetLength(0);
        var columns = table.GetLength(1);
        var rowTotals = new double[rows];
        var columnTotals = new double[columns];
        double total = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                rowTotals[r] += table[r, c];
                columnTotals[c] += table[r, c];
                total += table[r, c];
            }
        }
        var statistic = 0.0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var expected = rowTotals[r] * columnTotals[c] / total;
                statistic += (table[r, c] - expected) * (table[r, c] - expected) / expected;
            }
        }
        return statistic;
    }
}
