using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Power;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Power;

public sealed class PowerAnalysisTests
{
    private sealed record Design(double Mean, double Variance, double RelativeMde, double Alpha, double Power, double Ratio, double Units);

    private static readonly Design[] Designs =
    [
        new(250, 60 * 60, 0.02, 0.05, 0.8, 1, 5_000),       // mean latency, 2% MDE
        new(0.01, 0.01 * 0.99, 0.10, 0.05, 0.8, 1, 200_000), // 1% error rate, 10% relative MDE
        new(-40, 900, 0.05, 0.01, 0.9, 1, 3_000),            // negative baseline
        new(1, 4, 0.5, 0.1, 0.5, 1, 50),                     // tiny sample, power 0.5
        new(100, 2_500, 0.01, 0.05, 0.95, 0.25, 100_000),    // 80/20 split
        new(100, 2_500, 0.03, 0.001, 0.8, 3, 10_000),
        new(10, 100, 1.5, 0.05, 0.99, 1, 2),                 // an effect so large both tails matter
    ];

    [Fact]
    public void Required_units_match_statsmodels_NormalIndPower()
    {
        var reference = PythonReference.Run("""
            from statsmodels.stats.power import NormalIndPower
            from scipy import optimize
            power_of = NormalIndPower()
            out = []
            for d in data:
                effect = d["RelativeMde"] * abs(d["Mean"]) / math.sqrt(d["Variance"])
                kw = dict(alpha=d["Alpha"], ratio=d["Ratio"], alternative="two-sided")
                solved = power_of.solve_power(effect_size=effect, nobs1=None, power=d["Power"], **kw)
                # solve_power stops at brentq_expanding's absolute xtol of 1e-5 units; solving statsmodels' own
                # power function to machine precision gives the reference for a tight comparison.
                exact = optimize.brentq(lambda n: power_of.power(effect, n, **kw) - d["Power"], 1e-9, 1e12, xtol=1e-300, rtol=1e-15)
                out.append(dict(effect=effect, solved=solved, exact=exact,
                                power_at=power_of.power(effect, d["Units"], **kw),
                                mde_effect=optimize.brentq(lambda e: power_of.power(e, d["Units"], **kw) - d["Power"], 1e-12, 1e3, xtol=1e-300, rtol=1e-15)))
            emit(out)
            """,
            Designs);

        for (var i = 0; i < Designs.Length; i++)
        {
            var d = Designs[i];
            var expected = reference[i]!;
            var plan = PowerAnalysis.RequiredUnitsPerArm(d.Mean, d.Variance, d.RelativeMde, d.Alpha, d.Power, d.Ratio);
            var exact = PythonReference.Number(expected["exact"]);
            PythonReference.AssertClose(PythonReference.Number(expected["effect"]), plan.StandardizedEffect, 1e-12, $"design {i} standardized effect");
            PythonReference.AssertClose(exact, plan.ExactControlUnits, 1e-9, $"design {i} units");
            Assert.True(Math.Abs(PythonReference.Number(expected["solved"]) - plan.ExactControlUnits) <= 1e-4,
                $"design {i}: statsmodels solve_power {PythonReference.Number(expected["solved"]):R} vs {plan.ExactControlUnits:R}");
            Assert.Equal((long)Math.Ceiling(exact), plan.ControlUnits);
            Assert.Equal((long)Math.Ceiling(plan.ExactControlUnits * d.Ratio), plan.TreatmentUnits);

            PythonReference.AssertClose(PythonReference.Number(expected["power_at"]),
                PowerAnalysis.Power(plan.StandardizedEffect, d.Units, d.Alpha, d.Ratio), 1e-12, $"design {i} power");
            var mde = PythonReference.Number(expected["mde_effect"]) * Math.Sqrt(d.Variance) / Math.Abs(d.Mean);
            PythonReference.AssertClose(mde,
                PowerAnalysis.MinimumDetectableRelativeEffect(d.Mean, d.Variance, d.Units, d.Alpha, d.Power, d.Ratio), 1e-9, $"design {i} MDE");
        }
    }

    [Fact]
    public void Power_at_the_required_units_is_the_planned_power()
    {
        var plan = PowerAnalysis.RequiredUnitsPerArm(250, 3_600, 0.02, 0.05, 0.8);
        PythonReference.AssertClose(0.8, PowerAnalysis.Power(plan.StandardizedEffect, plan.ExactControlUnits, 0.05), 1e-13, "power");
        Assert.True(PowerAnalysis.Power(plan.StandardizedEffect, plan.ControlUnits, 0.05) >= 0.8);
    }

    [Fact]
    public void Power_not_above_alpha_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerAnalysis.RequiredUnitsPerArm(1, 1, 0.1, alpha: 0.05, power: 0.05));
    }

    [Fact]
    public void Ruled_out_effect_names_the_largest_plausible_magnitude()
    {
        var ruledOut = RuledOutEffect.From(new ConfidenceInterval(-0.012, 0.008));
        Assert.Equal(0.012, ruledOut.Magnitude);
        Assert.True(ruledOut.IsWithin(0.02));
        Assert.False(ruledOut.IsWithin(0.01));
        Assert.False(RuledOutEffect.From(new ConfidenceInterval(0.001, 0.03)).IsWithin(0.02));
    }
}
