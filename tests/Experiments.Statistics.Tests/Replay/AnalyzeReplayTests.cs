using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Replay;

/// <summary>
/// Statistics.AnalyzeReplay through our gRPC client: the request-level figures against scipy/statsmodels on the same
/// raw values, the decision on simulated replays with and without a planted tail regression, and its refusals.
/// </summary>
public sealed class AnalyzeReplayTests : IAsyncLifetime
{
    private const string Api = "trading.v1.TradingCore/PlaceOrder";
    private const string OtherApi = "GET /v1/portfolio/{account}";

    // scipy.stats.mannwhitneyu(method='asymptotic') (continuity-corrected, tie-corrected, two-sided),
    // scipy.stats.ttest_ind(equal_var=False), statsmodels proportions_ztest (pooled standard error, two-sided).
    private const string Reference = """
        import json, sys
        from scipy import stats
        from statsmodels.stats.proportion import proportions_ztest
        d = json.load(sys.stdin)
        mw = stats.mannwhitneyu(d['t'], d['c'], alternative='two-sided', method='asymptotic')
        welch = stats.ttest_ind(d['t'], d['c'], equal_var=False)
        z = proportions_ztest([d['te'], d['ce']], [len(d['t']), len(d['c'])])
        print(json.dumps({'mw_u': float(mw.statistic), 'mw_p': float(mw.pvalue), 'welch_p': float(welch.pvalue), 'z_p': float(z[1])}))
        """;

    private readonly TempDirectory _data = new();
    private StatisticsHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new StatisticsHost(_data.Path, new Dictionary<string, string> { ["Statistics:Replay:MaxObservations"] = "5000" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Request_level_figures_match_scipy_and_statsmodels_on_the_same_observations()
    {
        // Latencies from a set whose values lie ≥ 20% apart, so no two share a histogram bucket (≈1% wide): the
        // engine's bucket tie groups are then exactly scipy's tie groups on the raw values.
        double[] levels = [10, 12, 15, 18, 22, 27, 33, 40, 50, 60, 75, 90];
        var random = new Random(20261208);
        var c = Enumerable.Range(0, 700).Select(_ => levels[Math.Min(levels.Length - 1, (int)(random.NextDouble() * 8))]).ToList();
        var t = Enumerable.Range(0, 650).Select(_ => levels[Math.Min(levels.Length - 1, (int)(random.NextDouble() * 8) + (random.NextDouble() < 0.3 ? 1 : 0))]).ToList();
        var ce = Enumerable.Range(0, c.Count).Select(_ => random.NextDouble() < 0.05).ToList();
        var te = Enumerable.Range(0, t.Count).Select(_ => random.NextDouble() < 0.09).ToList();
        var request = ReplayObservations.Request(
            new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary, ApiName = Api },
            new Kpi { Key = "mean", Kind = KpiKind.LatencyMean, Role = KpiRole.Secondary, ApiName = Api },
            new Kpi { Key = "errors", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = Api, Tolerance = 1.0 });
        ReplayObservations.Add(request, Api, "control", c, ce);
        ReplayObservations.Add(request, Api, "new-router", t, te);
        // Another API's requests must not count towards KPIs that name this one.
        ReplayObservations.Add(request, OtherApi, "control", [500, 600, 700], [true, true, true]);
        ReplayObservations.Add(request, OtherApi, "new-router", [5, 6, 7], [false, false, false]);

        var verdict = await _host.Client().AnalyzeReplayAsync(request);
        var expected = await ScipyReference.RunAsync(Reference, new { c, t, ce = ce.Count(e => e), te = te.Count(e => e) });

        Assert.Equal("replay-test", verdict.ExperimentId);
        Assert.Equal(RandomizationUnit.Request, verdict.RandomizationUnit);
        Assert.Equal("control", verdict.ControlVariantKey);
        var p50 = verdict.KpiResults.Single(k => k.KpiKey == "p50");
        Assert.Equal([c.Count, t.Count], p50.Arms.Select(a => a.Observations));
        var mannWhitney = p50.Comparisons.Single().SupplementaryTests.Single(s => s.TestName.StartsWith("Mann", StringComparison.Ordinal));
        Assert.Equal(expected.GetProperty("mw_p").GetDouble(), mannWhitney.PValue, 1e-9);
        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean").Comparisons.Single();
        Assert.Equal(expected.GetProperty("welch_p").GetDouble(), mean.PValue, 1e-9);
        Assert.Equal(t.Average() - c.Average(), mean.AbsoluteEffect, 1e-9);
        var errors = verdict.KpiResults.Single(k => k.KpiKey == "errors");
        Assert.Equal((double)ce.Count(e => e) / c.Count, errors.Arms[0].Estimate, 1e-12);
        Assert.Equal(expected.GetProperty("z_p").GetDouble(), errors.Comparisons.Single().PValue, 1e-9);
    }

    [Fact]
    public async Task A_planted_tail_regression_is_rolled_back_and_no_regression_is_not()
    {
        // 20 simulated replays of 1,000 exchanges per variant, lognormal latencies (median 20 ms, σ = 0.3). Planted: 5% of
        // the treatment's requests take 4× as long, so its p99 is ≈ 2.5× the control's, far beyond the 20% tolerance.
        // Stated tolerance: the p99 guardrail must flag it in at least 18 of 20 replays, and with no effect planted
        // (A/A) must not roll back in more than 2 of 20 (the guardrail's error is at most α = 5% per replay).
        var flagged = 0;
        var falseRollBacks = 0;
        for (var run = 0; run < 20; run++)
        {
            var planted = await _host.Client().AnalyzeReplayAsync(Simulated(seed: 1000 + run, slowShare: 0.05));
            if (planted.Decision == VerdictDecision.RollBack
                && planted.KpiResults.Single(k => k.KpiKey == "p99").Comparisons.Single().GuardrailStatus == GuardrailStatus.BeyondTolerance)
            {
                flagged++;
            }
            var aa = await _host.Client().AnalyzeReplayAsync(Simulated(seed: 5000 + run, slowShare: 0));
            if (aa.Decision == VerdictDecision.RollBack)
            {
                falseRollBacks++;
            }
        }
        Assert.True(flagged >= 18, $"the planted tail regression was flagged in {flagged} of 20 replays");
        Assert.True(falseRollBacks <= 2, $"{falseRollBacks} of 20 A/A replays were rolled back");
    }

    private static AnalyzeReplayRequest Simulated(int seed, double slowShare)
    {
        var random = new Random(seed);
        var request = ReplayObservations.Request(
            new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary, ApiName = Api },
            new Kpi { Key = "p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = Api, Tolerance = 0.2 });
        double Draw() => 20 * Math.Exp(0.3 * ReplayObservations.Normal(random));
        var control = Enumerable.Range(0, 1000).Select(_ => Draw()).ToList();
        var treatment = Enumerable.Range(0, 1000).Select(_ => Draw() * (random.NextDouble() < slowShare ? 4 : 1)).ToList();
        var ok = Enumerable.Repeat(false, 1000).ToList();
        ReplayObservations.Add(request, Api, "control", control, ok);
        ReplayObservations.Add(request, Api, "new-router", treatment, ok);
        return request;
    }

    [Fact]
    public async Task A_KPI_that_is_not_request_based_is_refused_naming_its_field()
    {
        var request = ReplayObservations.Request(
            new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary },
            new Kpi { Key = "retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1 });
        ReplayObservations.Add(request, Api, "control", [10, 11], [false, false]);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client().AnalyzeReplayAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["kpis[1].kind"], error.ViolatedFields());
    }

    [Fact]
    public async Task An_observation_of_another_variant_is_refused_naming_it()
    {
        var request = ReplayObservations.Request(new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary });
        ReplayObservations.Add(request, Api, "control", [10, 11], [false, false]);
        ReplayObservations.Add(request, Api, "old-router", [10], [false]);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client().AnalyzeReplayAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["observations[2].variant_key"], error.ViolatedFields());
    }

    [Fact]
    public async Task More_observations_than_the_configured_limit_are_refused_as_resource_exhausted()
    {
        var request = ReplayObservations.Request(new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary });
        ReplayObservations.Add(request, Api, "control", Enumerable.Repeat(10.0, 2501).ToList(), Enumerable.Repeat(false, 2501).ToList());
        ReplayObservations.Add(request, Api, "new-router", Enumerable.Repeat(10.0, 2500).ToList(), Enumerable.Repeat(false, 2500).ToList());

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client().AnalyzeReplayAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Analyzing_a_replay_needs_the_read_scope()
    {
        var request = ReplayObservations.Request(new Kpi { Key = "p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary });
        ReplayObservations.Add(request, Api, "control", [10, 11], [false, false]);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client(StatisticsHost.IngestKey).AnalyzeReplayAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
