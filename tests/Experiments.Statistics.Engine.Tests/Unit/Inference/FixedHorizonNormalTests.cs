using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Sequential;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Inference;

/// <summary>The single-look inference a replay decides on (<see cref="ExperimentDefinition.SingleLook"/>).</summary>
public sealed class FixedHorizonNormalTests
{
    private static readonly (double Value, double Variance, double Level)[] Cases =
    [
        (0.12, 0.0025, 0.05),
        (-0.4, 0.09, 0.01),
        (1e-3, 4e-8, 0.025),
        (3.0, 0.5, 0.1),
    ];

    [Fact]
    public void Interval_and_p_value_are_the_normal_ones_of_scipy()
    {
        var reference = PythonReference.Run("""
            from scipy import stats
            out = []
            for value, variance, level in data:
                se = math.sqrt(variance)
                z = stats.norm.isf(level / 2)
                out.append([value - z * se, value + z * se, 2 * stats.norm.sf(abs(value) / se)])
            emit(out)
            """, Cases.Select(c => new[] { c.Value, c.Variance, c.Level }));

        for (var i = 0; i < Cases.Length; i++)
        {
            var effect = new EffectEstimate(Cases[i].Value, Cases[i].Variance);
            var interval = FixedHorizonNormal.Instance.Interval(effect, 1_000, Cases[i].Level);
            PythonReference.AssertClose(PythonReference.Number(reference[i]![0]), interval.Lower, 1e-12, $"case {i} lower");
            PythonReference.AssertClose(PythonReference.Number(reference[i]![1]), interval.Upper, 1e-12, $"case {i} upper");
            PythonReference.AssertClose(PythonReference.Number(reference[i]![2]), FixedHorizonNormal.Instance.PValue(effect, 1_000), 1e-9, $"case {i} p");
        }
    }

    [Fact]
    public void One_look_is_narrower_than_the_confidence_sequence_tuned_to_that_look()
    {
        // The confidence sequence pays for every look; at its tightest (N* = the units seen) it is still wider.
        var effect = new EffectEstimate(0.05, 0.0004);
        var sequence = new NormalMixtureConfidenceSequence(tuningSampleSize: 2_000);
        var once = FixedHorizonNormal.Instance.Interval(effect, 2_000, 0.05);
        var always = sequence.Interval(effect, 2_000, 0.05);
        Assert.True(always.Width > 1.2 * once.Width, $"always-valid {always.Width} vs fixed-horizon {once.Width}");
        Assert.True(once.Lower > 0 && always.Lower < 0, "an effect two standard errors out is shown at one look and not by the sequence");
    }
}
