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
    public void Compare_counts_units_of_both_arms_and_reports_the_relative_interval_and_p_value_on_the_log_ratio()
    {
        var sequence = new NormalMixtureConfidenceSequence(5_000, 0.05);
        var control = new ArmEstimate(100, 4, 2_000);
        var treatment = new ArmEstimate(110, 5, 3_000);
        var result = sequence.Compare(control, treatment);
        var reference = PythonReference.Run("""
            c, vc, t, vt, n, n_star, alpha = data
            r = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_star)
            def half_width(v, level):
                return math.sqrt(v * n) * math.sqrt(2 * (n * r**2 + 1) / (n * r)**2 * math.log(math.sqrt(n * r**2 + 1) / level))
            # Delta method on ln(t / c): gradient (1/t, -1/c).
            est = math.log(t / c)
            v = vt / t**2 + vc / c**2
            h = half_width(v, alpha)
            # p: the level at which the interval touches 0, by root-finding (no closed form used).
            from scipy import optimize
            p = math.exp(optimize.brentq(lambda la: half_width(v, math.exp(la)) - abs(est), -700.0, 0.0, xtol=1e-14, rtol=1e-15))
            emit(dict(lower=math.exp(est - h) - 1, upper=math.exp(est + h) - 1, p=p, abs_half=half_width(vt + vc, alpha)))
            """,
            new double[] { control.Value, control.Variance, treatment.Value, treatment.Variance, 5_000, 5_000, 0.05 });

        Assert.Equal(10, result.AbsoluteEffect);
        PythonReference.AssertClose(PythonReference.Number(reference["abs_half"]), result.AbsoluteCi.Width / 2, 1e-12, "absolute half-width");
        PythonReference.AssertClose(PythonReference.Number(reference["lower"]), result.RelativeCi.Lower, 1e-11, "relative lower");
        PythonReference.AssertClose(PythonReference.Number(reference["upper"]), result.RelativeCi.Upper, 1e-11, "relative upper");
        PythonReference.AssertClose(PythonReference.Number(reference["p"]), result.PValue, 1e-10, "p-value");
    }

    [Fact]
    public void Relative_interval_of_a_rare_event_ratio_stays_above_minus_100_percent_and_agrees_with_its_p_value()
    {
        var sequence = new NormalMixtureConfidenceSequence(10_000, 0.05);
        var random = new Random(5);
        for (var i = 0; i < 2_000; i++)
        {
            // Error rates of 0.1%–2% over a few hundred requests per arm: relative standard errors near 100%.
            var n = random.Next(50, 2_000);
            var pc = (1 + random.Next(40)) / (double)n;
            var pt = (1 + random.Next(40)) / (double)n;
            var result = sequence.Compare(new ArmEstimate(pc, pc * (1 - pc) / n, n), new ArmEstimate(pt, pt * (1 - pt) / n, n));
            Assert.True(result.RelativeCi.Lower > -1, $"lower bound {result.RelativeCi.Lower} at {pc} vs {pt}");
            if (Math.Abs(result.PValue - 0.05) > 1e-9)
            {
                Assert.True(result.RelativeCi.ExcludesZero == result.PValue < 0.05, $"p {result.PValue} but relative interval {result.RelativeCi}");
            }
        }
    }
}
