using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Sequential;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Sequential;

public sealed class NormalMixtureConfidenceSequenceTests
{
    private sealed record Look(double TuningSampleSize, double Alpha, double Estimate, double Variance, long Units);

    private static List<Look> Looks()
    {
        var random = new Random(210306476);
        var looks = new List<Look>
        {
            new(5_000, 0.05, 0.8, 0.09, 5_000),
            new(5_000, 0.05, -0.3, 0.01, 200),
            new(100_000, 0.01, 0.02, 1e-5, 1_000_000),
            new(1_000, 0.1, 1.5, 0.2, 10),
            new(5_000, 0.05, 0.001, 0.04, 50_000),   // p-value 1
        };
        for (var i = 0; i < 20; i++)
        {
            var units = (long)Math.Exp(random.NextDouble() * 14) + 2;
            var variance = 100.0 / units;
            looks.Add(new(Math.Exp(random.NextDouble() * 12), 0.01 + random.NextDouble() * 0.15,
                (random.NextDouble() - 0.5) * 10 * Math.Sqrt(variance), variance, units));
        }
        return looks;
    }

    [Fact]
    public void Confidence_sequence_and_p_value_match_the_published_formula()
    {
        var looks = Looks();
        var reference = PythonReference.Run("""
            from scipy import optimize
            def rho(alpha, n_star):
                # Waudby-Smith et al. (arXiv 2103.06476v7) eq. 161: rho making the CS tightest at n = N*.
                return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_star)
            def half_width(s2, n, r, alpha):
                # Eq. 9, two-sided asymptotic CS: sqrt(s2) * sqrt(2 (n r^2 + 1) / (n r)^2 * log(sqrt(n r^2 + 1) / alpha)).
                return math.sqrt(s2) * math.sqrt(2 * (n * r**2 + 1) / (n * r)**2 * math.log(math.sqrt(n * r**2 + 1) / alpha))
            out = []
            for d in data:
                r = rho(d["Alpha"], d["TuningSampleSize"])
                n = d["Units"]
                s2 = d["Variance"] * n  # per-unit variance: Var(estimate) * N
                est = abs(d["Estimate"])
                # The always-valid p-value, found without any closed form: the smallest alpha' (rho held fixed)
                # whose interval excludes zero, by root-finding on the half-width in log alpha'.
                if half_width(s2, n, r, 1.0) >= est:
                    p = 1.0
                else:
                    log_p = optimize.brentq(lambda la: half_width(s2, n, r, math.exp(la)) - est, -700.0, 0.0,
                                            xtol=1e-14, rtol=1e-15)
                    p = math.exp(log_p)
                out.append(dict(rho=r, half=half_width(s2, n, r, d["Alpha"]), p=p))
            emit(out)
            """,
            looks);

        for (var i = 0; i < looks.Count; i++)
        {
            var look = looks[i];
            var sequence = new NormalMixtureConfidenceSequence(look.TuningSampleSize, look.Alpha);
            var effect = new EffectEstimate(look.Estimate, look.Variance);
            var expected = reference[i]!;
            PythonReference.AssertClose(PythonReference.Number(expected["rho"]), sequence.Rho, 1e-14, $"look {i} rho");
            PythonReference.AssertClose(PythonReference.Number(expected["half"]), sequence.Interval(effect, look.Units).Width / 2, 1e-12, $"look {i} half-width");
            // The reference p solves for log α′ to ~1e-14 absolute, i.e. p to ~1e-14 relative.
            PythonReference.AssertClose(PythonReference.Number(expected["p"]), sequence.PValue(effect, look.Units), 1e-11, $"look {i} p-value");
        }
    }

    [Fact]
    public void Interval_excludes_zero_exactly_when_the_p_value_is_at_most_alpha()
    {
        var random = new Random(17);
        var sequence = new NormalMixtureConfidenceSequence(10_000, 0.05);
        for (var i = 0; i < 2_000; i++)
        {
            var units = random.Next(10, 100_000);
            var effect = new EffectEstimate(random.NextDouble() - 0.5, 1.0 / units);
            var excludes = sequence.Interval(effect, units).ExcludesZero;
            var p = sequence.PValue(effect, units);
            // Away from the boundary itself (where rounding decides) the two must agree.
            if (Math.Abs(p - 0.05) > 1e-12)
            {
                Assert.True(excludes == p < 0.05, $"estimate {effect.Value}, units {units}: p {p} but interval {sequence.Interval(effect, units)}");
            }
        }
    }

    [Fact]
    public void Always_valid_interval_is_wider_than_the_fixed_horizon_interval()
    {
        var sequence = new NormalMixtureConfidenceSequence(5_000, 0.05);
        foreach (var units in new long[] { 100, 5_000, 1_000_000 })
        {
            var effect = new EffectEstimate(0.1, 1.0 / units);
            Assert.True(sequence.Interval(effect, units).Width > effect.Interval(1.959963984540054).Width);
        }
    }

    [Fact]
    public void Compare_counts_units_of_both_arms_and_reports_relative_interval()
    {
        var sequence = new NormalMixtureConfidenceSequence(5_000, 0.05);
        var control = new ArmEstimate(100, 4, 2_000);
        var treatment = new ArmEstimate(110, 5, 3_000);
        var result = sequence.Compare(control, treatment);

        Assert.Equal(10, result.AbsoluteEffect);
        Assert.Equal(sequence.Interval(new EffectEstimate(10, 9), 5_000), result.AbsoluteCi);
        Assert.Equal(sequence.PValue(new EffectEstimate(10, 9), 5_000), result.PValue);
        Assert.Equal(sequence.Interval(RelativeEffect.Estimate(control, treatment), 5_000), result.RelativeCi);
    }
}
