using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Inference;

public sealed class RelativeEffectTests
{
    [Fact]
    public void Relative_interval_matches_the_delta_method_formula()
    {
        (ArmEstimate Control, ArmEstimate Treatment)[] pairs =
        [
            (new(250, 4, 10_000), new(245, 5, 10_000)),
            (new(0.01, 1e-8, 1_000_000), new(0.012, 1.5e-8, 1_000_000)),
            (new(-3, 0.01, 100), new(-3.3, 0.02, 120)),
        ];
        var reference = PythonReference.Run("""
            from scipy import stats
            z = stats.norm.isf(0.025)
            out = []
            for c, vc, t, vt in data:
                # g(t, c) = t / c - 1; gradient (1/c, -t/c^2); independent arms:
                # Var = Var(t) / c^2 + t^2 Var(c) / c^4.
                rel = t / c - 1
                se = math.sqrt(vt / c**2 + t**2 * vc / c**4)
                out.append([rel - z * se, rel + z * se])
            emit(out)
            """,
            pairs.Select(p => new[] { p.Control.Value, p.Control.Variance, p.Treatment.Value, p.Treatment.Variance }));

        for (var i = 0; i < pairs.Length; i++)
        {
            var interval = RelativeEffect.Interval(pairs[i].Control, pairs[i].Treatment, 0.05);
            var low = PythonReference.Number(reference[i]![0]);
            var high = PythonReference.Number(reference[i]![1]);
            PythonReference.AssertClose((high - low) / 2, interval.Width / 2, 1e-12, $"pair {i} half-width");
            PythonReference.AssertClose((high + low) / 2, (interval.Lower + interval.Upper) / 2, 1e-12, $"pair {i} center");
        }
    }

    [Fact]
    public void Relative_effect_against_a_zero_control_is_unbounded()
    {
        var interval = RelativeEffect.Interval(new ArmEstimate(0, 1, 10), new ArmEstimate(1, 1, 10));
        Assert.Equal(ConfidenceInterval.Unbounded, interval);
        Assert.True(double.IsNaN(RelativeEffect.Estimate(new ArmEstimate(0, 1, 10), new ArmEstimate(1, 1, 10)).Value));
    }
}
