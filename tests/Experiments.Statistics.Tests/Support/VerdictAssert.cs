using Experiments.Contracts.V1;

namespace Experiments.Statistics.Tests.Support;

internal static class VerdictAssert
{
    /// <summary>
    /// Same decision, arms and per-KPI counts and decisions; every estimate, standard error, p-value and interval within
    /// <paramref name="relative"/> (sums added in another order differ in the last bits). Times are not compared. A ROLL_BACK
    /// kept from an earlier look (a guardrail breach stays) depends on when the looks fell, not only on the data: when
    /// either verdict carries one, the experiment's decision is not compared, each KPI's decision at this look still is.
    /// </summary>
    public static void Same(Verdict expected, Verdict actual, double relative)
    {
        if (expected.GuardrailBreach is null && actual.GuardrailBreach is null)
        {
            Assert.Equal(expected.Decision, actual.Decision);
        }
        Assert.Equal(expected.WinningVariantKey, actual.WinningVariantKey);
        Assert.Equal(expected.SampleRatioCheck.Arms.Select(a => a.ObservedUnits), actual.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Close(expected.SampleRatioCheck.PValue, actual.SampleRatioCheck.PValue, relative);
        Assert.Equal(expected.KpiResults.Select(k => k.KpiKey), actual.KpiResults.Select(k => k.KpiKey));
        for (var k = 0; k < expected.KpiResults.Count; k++)
        {
            var e = expected.KpiResults[k];
            var a = actual.KpiResults[k];
            Assert.Equal(e.Decision, a.Decision);
            Assert.Equal(e.TestName, a.TestName);
            Assert.Equal(e.Arms.Select(x => (x.VariantKey, x.Units, x.Observations)), a.Arms.Select(x => (x.VariantKey, x.Units, x.Observations)));
            for (var i = 0; i < e.Arms.Count; i++)
            {
                Close(e.Arms[i].Estimate, a.Arms[i].Estimate, relative);
                Close(e.Arms[i].StandardError, a.Arms[i].StandardError, relative);
            }
            Assert.Equal(e.Comparisons.Count, a.Comparisons.Count);
            for (var c = 0; c < e.Comparisons.Count; c++)
            {
                var ec = e.Comparisons[c];
                var ac = a.Comparisons[c];
                Assert.Equal(ec.Decision, ac.Decision);
                Close(ec.PValue, ac.PValue, relative);
                Close(ec.SequentialPValue, ac.SequentialPValue, relative);
                Close(ec.AdjustedSequentialPValue, ac.AdjustedSequentialPValue, relative);
                Close(ec.RelativeEffect, ac.RelativeEffect, relative);
                Close(ec.RelativeConfidenceSequence.Lower, ac.RelativeConfidenceSequence.Lower, relative);
                Close(ec.RelativeConfidenceSequence.Upper, ac.RelativeConfidenceSequence.Upper, relative);
            }
            // Units are named by id only when they reached the tail after a verdict armed the watch for it, otherwise by
            // hash: naming depends on when verdicts were computed, so only clients are compared by name.
            Assert.Equal(e.TailContributors.Select(t => (t.VariantKey, t.ClientId, t.TailRequestCount)),
                a.TailContributors.Select(t => (t.VariantKey, t.ClientId, t.TailRequestCount)));
        }
    }

    private static void Close(double expected, double actual, double relative)
    {
        if (expected.Equals(actual))
        {
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected) || Math.Abs(expected - actual) < 1e-15, $"expected {expected:R}, got {actual:R}");
    }
}
