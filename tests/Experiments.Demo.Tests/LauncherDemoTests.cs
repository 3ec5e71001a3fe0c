using System.Globalization;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Net.Client;

namespace Experiments.Demo.Tests;

/// <summary>
/// End to end with real processes and sockets: <c>Experiments.Launcher demo</c> starts assignment, ingestion and
/// statistics, the trading core with its market-data supplier and broker, and the traffic simulator with a short
/// horizon, and prints a final line <c>FINAL experiment=… decision=… status=… rollout=…</c> that these tests check;
/// the rollback and the per-API results are checked against the real services the demo ran against.
/// </summary>
[Collection(nameof(LauncherDemoTests))]
[CollectionDefinition(nameof(LauncherDemoTests), DisableParallelization = true)]
public sealed class LauncherDemoTests
{
    private const string ApiKey = DemoRun.ApiKey;

    [Fact]
    public async Task Planted_p99_regression_is_rolled_back_automatically_by_a_ramp_to_zero()
    {
        AuditEntry? ramp = null;
        Experiment? experiment = null;
        Verdict? verdict = null;
        List<VariantAssignment> served = [];
        // 60 s rather than 30 s: the core's three APIs put several calls and stream messages into each session, and
        // compressed into 30 s their scheduling delays on a loaded two-core machine blur the planted tail.
        var final = await DemoRun.RunAsync("p99-regression", "60s", whileServing: async (line, port) =>
        {
            // Ask the real assignment service the demo ran against, while it still serves.
            using var channel = GrpcChannel.ForAddress("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
            var invoker = channel.WithApiKey(ApiKey);
            var admin = new ExperimentAdmin.ExperimentAdminClient(invoker);
            experiment = await admin.GetExperimentAsync(new GetExperimentRequest { Id = line.Id });
            var audit = await admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = line.Id });
            ramp = audit.AuditEntries.FirstOrDefault(); // newest first
            var units = new AssignBatchRequest { FlagKeys = { experiment.FlagKey } };
            units.Contexts.AddRange(Enumerable.Range(0, 400).Select(i => new EvaluationContext { UserId = "check-user-" + i.ToString(CultureInfo.InvariantCulture) }));
            served = [.. (await new Contracts.V1.Assignment.AssignmentClient(invoker).AssignBatchAsync(units)).Results.Select(r => r.Assignments.Single())];
            using var statisticsChannel = GrpcChannel.ForAddress("http://127.0.0.1:" + (port + 2).ToString(CultureInfo.InvariantCulture));
            verdict = await new Contracts.V1.Statistics.StatisticsClient(statisticsChannel.WithApiKey(ApiKey)).GetVerdictAsync(new GetVerdictRequest { ExperimentId = line.Id });
        });

        Assert.True(final.Decision == "ROLL_BACK", "expected ROLL_BACK:\n" + final.Output);
        // Auto-rollback ramped the experiment to 0%: still running, nobody enrolled, every unit served the control.
        Assert.Equal("RUNNING", final.Status);
        Assert.NotNull(experiment);
        Assert.Equal(ExperimentStatus.Running, experiment.Status);
        Assert.Equal(0, experiment.RolloutPercent);
        Assert.NotNull(ramp);
        Assert.Equal(AuditAction.Ramp, ramp.Action);
        Assert.Equal(experiment.Revision, ramp.Revision);
        Assert.Contains(ramp.Changes, c => c.FieldPath == "rollout_percent" && c.Before == "100%" && c.After == "0%");
        // The reason names the guardrail the demo planted a regression on.
        Assert.StartsWith("automatic rollback by statistics: ramped to 0%", ramp.Reason, StringComparison.Ordinal);
        Assert.Contains("[orders-p99]", ramp.Reason, StringComparison.Ordinal);
        Assert.Equal(400, served.Count);
        Assert.All(served, a =>
        {
            Assert.Equal("control", a.VariantKey);
            Assert.False(a.InExperiment);
            Assert.Equal(AssignmentReason.OutsideRollout, a.Reason);
        });
        Assert.Contains("serving 'control' to everyone (automatic rollback by statistics", final.Output, StringComparison.Ordinal);

        // Results for each of the core's three APIs, measured by the SDK inside the core: the front-end API it serves,
        // the broker it calls over HTTP, the market-data supplier's stream it relays as quotes — each with data in both arms.
        Assert.NotNull(verdict);
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        foreach (var api in (string[])["trading.v1.TradingCore/PlaceOrder", "broker POST /orders", "trading.v1.TradingCore/StreamQuotes#staleness"])
        {
            var results = verdict.KpiResults.Where(k => k.ApiName == api).ToList();
            Assert.True(results.Count > 0, "no KPI results for " + api);
            Assert.All(results, k =>
            {
                Assert.Equal(2, k.Arms.Count);
                Assert.All(k.Arms, a => Assert.True(a.Units > 0, $"{k.KpiKey}: no units in {a.VariantKey}"));
            });
        }
        Assert.Contains(verdict.KpiResults, k => k.ApiName == "market-data marketdata.v1.Supplier/StreamPrices#staleness" && k.Arms.All(a => a.Units > 0));
        // The planted regression is where it was planted: the front end's p99, beyond its tolerance.
        var p99 = verdict.KpiResults.Single(k => k.KpiKey == "orders-p99");
        Assert.Equal(GuardrailStatus.BeyondTolerance, p99.Comparisons.Single().GuardrailStatus);
        // The console groups the KPI lines per API.
        Assert.Contains("front-end API (inbound gRPC): trading.v1.TradingCore/PlaceOrder", final.Output, StringComparison.Ordinal);
        Assert.Contains("broker API (outbound HTTP): broker POST /orders", final.Output, StringComparison.Ordinal);
        Assert.Contains("market-data API (supplier stream, relayed as quotes)", final.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_A_run_neither_ships_nor_rolls_back()
    {
        // alpha 0.01: an A/A run is a false positive by construction with probability ≤ alpha per KPI (always-valid
        // tests); the stricter level keeps this test's false-failure rate around 1–2%.
        var final = await DemoRun.RunAsync("aa", "30s", ["--alpha", "0.01"]);
        Assert.NotEqual("SHIP", final.Decision);
        Assert.NotEqual("ROLL_BACK", final.Decision);
        Assert.Equal("RUNNING", final.Status);
    }
}
