using Experiments.Statistics.Engine.Verdicts;

namespace Experiments.Statistics.Engine.Tests.Simulation.Verdicts;

internal static class VerdictAssert
{
    /// <summary>Same decisions, reasons' count and every number within <paramref name="relative"/> (sums added in another order differ in the last bits).</summary>
    public static void Equivalent(VerdictResult expected, VerdictResult actual, double relative)
    {
        Assert.Equal(expected.Decision, actual.Decision);
        Assert.Equal(expected.WinningVariantKey, actual.WinningVariantKey);
        Assert.Equal(expected.SampleRatio.Observed, actual.SampleRatio.Observed);
        Assert.Equal(expected.Metrics.Count, actual.Metrics.Count);
        for (var k = 0; k < expected.Metrics.Count; k++)
        {
            var e = expected.Metrics[k];
            var a = actual.Metrics[k];
            Assert.Equal(e.Decision, a.Decision);
            Assert.Equal(e.TestName, a.TestName);
            Assert.Equal(e.Comparisons.Count, a.Comparisons.Count);
            for (var i = 0; i < e.Arms.Count; i++)
            {
                Assert.Equal(e.Arms[i].Units, a.Arms[i].Units);
                Close(e.Arms[i].Estimate, a.Arms[i].Estimate, relative);
                Close(e.Arms[i].StandardError, a.Arms[i].StandardError, relative);
            }
            for (var c = 0; c < e.Comparisons.Count; c++)
            {
                var ec = e.Comparisons[c];
                var ac = a.Comparisons[c];
                Assert.Equal(ec.Decision, ac.Decision);
                Close(ec.Fixed.PValue, ac.Fixed.PValue, relative);
                Close(ec.Sequential.PValue, ac.Sequential.PValue, relative);
                Close(ec.Sequential.RelativeCi.Lower, ac.Sequential.RelativeCi.Lower, relative);
                Close(ec.Sequential.RelativeCi.Upper, ac.Sequential.RelativeCi.Upper, relative);
                Close(ec.AdjustedSequentialPValue, ac.AdjustedSequentialPValue, relative);
            }
            Assert.Equal(e.TailContributors.Select(t => (t.ClientId, t.UnitId, t.TailRequests)), a.TailContributors.Select(t => (t.ClientId, t.UnitId, t.TailRequests)));
        }
    }

    private static void Close(double expected, double actual, double relative)
    {
        if (expected == actual || (double.IsNaN(expected) && double.IsNaN(actual)))
        {
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-300) || Math.Abs(expected - actual) < 1e-15,
            $"expected {expected:R}, got {actual:R}");
    }
}
