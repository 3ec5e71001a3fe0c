using System.Globalization;
using Experiments.Contracts.V1;
using Experiments.Dashboard.Tests.Support;
using Google.Protobuf;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Experiments.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard in a real headless Chromium against the statistics service as a real process: pages load without
/// console errors, what they plot is what GetVerdict returns, live updates arrive, and each page is screenshotted
/// (laptop and phone widths) into the test output's TestResults/dashboard folder.
/// </summary>
public sealed partial class DashboardBrowserTests(DashboardFixture fixture, ITestOutputHelper output) : IClassFixture<DashboardFixture>, IAsyncLifetime
{
    private static readonly PageWaitForFunctionOptions Patience = new() { Timeout = 30_000 };
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task List_page_shows_each_experiment_with_the_decision_and_exposures_GetVerdict_returns()
    {
        var (page, errors) = await OpenAsync("/");
        await page.Locator("tr[data-experiment]").Nth(2).WaitForAsync();

        foreach (var experiment in new[] { fixture.MatchingEngine, fixture.QuoteCache, fixture.BrokerAdapter })
        {
            var verdict = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Basic });
            var row = page.Locator($"tr[data-experiment='{experiment.Id}']");
            Assert.Equal(verdict.Decision.ToString(), Pascal(await row.GetAttributeAsync("data-decision")));
            Assert.Equal(verdict.Horizon.Units.ToString(CultureInfo.InvariantCulture), await row.GetAttributeAsync("data-units"));
            Assert.Contains(experiment.DisplayName, await row.InnerTextAsync(), StringComparison.Ordinal);
        }
        // Most urgent first: the rollback leads, the ship follows.
        Assert.Equal(fixture.BrokerAdapter.Id, await page.Locator("tr[data-experiment]").First.GetAttributeAsync("data-experiment"));

        Report(await fixture.ScreenshotAsync(page, "list-laptop"));
        await page.SetViewportSizeAsync(390, 844);
        Report(await fixture.ScreenshotAsync(page, "list-phone"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task Experiment_page_plots_the_numbers_GetVerdict_returns()
    {
        var experiment = fixture.MatchingEngine;
        var verdict = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Full });
        Assert.True(verdict.Decision == VerdictDecision.Ship, $"{verdict.Decision}: {string.Join("; ", verdict.Reasons)}");
        var (page, errors) = await OpenAsync("/experiments/" + experiment.Id);
        await page.Locator("#audit .audit-entry").First.WaitForAsync();
        Assert.Equal(Json(verdict.ComputeTime), await page.Locator("main").GetAttributeAsync("data-compute-time"));

        // Decision and reasons first.
        Assert.Equal("VERDICT_DECISION_SHIP", await page.Locator("#decision").GetAttributeAsync("data-decision"));
        Assert.Contains("Ship " + verdict.WinningVariantKey, await page.Locator("#decision-title").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(verdict.Reasons, await page.Locator("#decision .reason-list li").AllInnerTextsAsync());

        // Forest plot: each KPI's relative effect and the always-valid interval its decision used, as drawn.
        var bars = page.Locator(".forest-plot line.ci");
        Assert.Equal(verdict.KpiResults.Sum(k => k.Comparisons.Count), await bars.CountAsync());
        foreach (var kpi in verdict.KpiResults)
        {
            foreach (var comparison in kpi.Comparisons)
            {
                var bar = page.Locator($".forest-plot line.ci[data-kpi='{kpi.KpiKey}'][data-variant='{comparison.VariantKey}']");
                Assert.Equal(comparison.RelativeEffect, await NumberAsync(bar, "data-effect"));
                Assert.Equal(comparison.DecisionInterval.Lower, await NumberAsync(bar, "data-lower"));
                Assert.Equal(comparison.DecisionInterval.Upper, await NumberAsync(bar, "data-upper"));
                Assert.Equal(comparison.Decision.ToString(), Pascal(await bar.GetAttributeAsync("data-decision")));
            }
        }

        // Latency CDF of the primary KPI's API: p50/p95/p99 markers at the verdict's quantiles.
        var p99 = verdict.KpiResults.Single(k => k.KpiKey == "place-order-p99");
        foreach (var arm in p99.Arms)
        {
            foreach (var (name, value) in new[] { ("p50", arm.Latency.P50Ms), ("p95", arm.Latency.P95Ms), ("p99", arm.Latency.P99Ms) })
            {
                var marker = page.Locator($"circle.quantile-marker[data-arm='{arm.VariantKey}'][data-quantile='{name}']");
                Assert.Equal("verdict", await marker.GetAttributeAsync("data-source"));
                Assert.Equal(value, await NumberAsync(marker, "data-value-ms"));
            }
        }
        var histograms = verdict.LatencyHistograms.Where(h => h.ApiName == p99.ApiName).ToList();
        foreach (var histogram in histograms)
        {
            Assert.Equal(histogram.Count.ToString(CultureInfo.InvariantCulture), await page.Locator($"path.cdf-line[data-arm='{histogram.VariantKey}']").GetAttributeAsync("data-count"));
        }

        // Exposures per arm and the sample-ratio check.
        var srm = page.Locator(".srm-result");
        Assert.Equal(verdict.SampleRatioCheck.PValue, await NumberAsync(srm, "data-p-value"));
        Assert.Equal(verdict.SampleRatioCheck.ChiSquare, await NumberAsync(srm, "data-chi-square"));
        foreach (var arm in verdict.SampleRatioCheck.Arms)
        {
            Assert.Equal(arm.ObservedUnits, await NumberAsync(page.Locator($".exposure-list li[data-arm='{arm.VariantKey}']"), "data-observed"));
        }

        // Tail contributors of the p99 guardrail, in the verdict's order.
        Assert.NotEmpty(p99.TailContributors);
        await page.ClickAsync("button[data-focus='tail-all']");
        var tailRows = page.Locator(".tail-table").First.Locator("tbody tr");
        Assert.Equal(verdict.KpiResults.First(k => k.TailContributors.Count > 0).TailContributors.Count, await tailRows.CountAsync());
        var firstTail = verdict.KpiResults.First(k => k.TailContributors.Count > 0).TailContributors[0];
        Assert.Equal(firstTail.HasClientId ? firstTail.ClientId : firstTail.UnitId, await tailRows.First.GetAttributeAsync("data-who"));
        Assert.Equal(firstTail.TailShare, await NumberAsync(tailRows.First, "data-tail-share"));

        // Effect over time ends at the current verdict.
        var now = page.Locator("#over-time circle.effect-now");
        var primary = verdict.KpiResults.Single(k => k.Role == KpiRole.Primary).Comparisons[0];
        Assert.Equal(primary.RelativeEffect, await NumberAsync(now, "data-effect"));

        // Audit trail from ListAuditEntries, newest first.
        Assert.Equal(["3", "2", "1"], await page.Locator("#audit .audit-entry").EvaluateAllAsync<string[]>("es => es.map(e => e.dataset.revision)"));
        Assert.Contains("rollout 10% → 50%", await page.Locator("#audit").InnerTextAsync(), StringComparison.Ordinal);

        Report(await fixture.ScreenshotAsync(page, "experiment-ship-laptop"));
        await page.ClickAsync("button[data-focus='tail-toggle']");
        await page.Locator("#latency").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(fixture.ScreenshotFolder, "experiment-latency-tail.png") });
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForFunctionAsync("() => document.querySelector('#latency svg.cdf')?.getAttribute('width') <= 390", null, Patience);
        Report(await fixture.ScreenshotAsync(page, "experiment-ship-phone"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task Experiment_page_updates_live_as_events_arrive()
    {
        var experiment = fixture.QuoteCache;
        var before = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Full });
        var (page, errors) = await OpenAsync("/experiments/" + experiment.Id);
        await page.WaitForFunctionAsync($"() => document.querySelector('main').dataset.units === '{before.Horizon.Units}'", null, Patience);
        var pointsBefore = await NumberAsync(page.Locator("#over-time circle.effect-now"), "data-points");

        var after = await fixture.SeedAsync(experiment, fixture.QuoteCacheTraffic, users: 1500, "seed-quote-2");

        // No reload: the page follows the verdict cache until it shows the verdict GetVerdict now returns.
        await page.WaitForFunctionAsync($"() => document.querySelector('main').dataset.computeTime === '{Json(after.ComputeTime)}'", null, Patience);
        Assert.Equal(after.Horizon.Units.ToString(CultureInfo.InvariantCulture), await page.Locator("main").GetAttributeAsync("data-units"));
        Assert.Equal(after.Decision.ToString(), Pascal(await page.Locator("#decision").GetAttributeAsync("data-decision")));
        foreach (var kpi in after.KpiResults)
        {
            var comparison = kpi.Comparisons[0];
            var bar = page.Locator($".forest-plot line.ci[data-kpi='{kpi.KpiKey}']");
            Assert.Equal(comparison.RelativeEffect, await NumberAsync(bar, "data-effect"));
            Assert.Equal(comparison.DecisionInterval.Lower, await NumberAsync(bar, "data-lower"));
            Assert.Equal(comparison.DecisionInterval.Upper, await NumberAsync(bar, "data-upper"));
        }
        Assert.True(await NumberAsync(page.Locator("#over-time circle.effect-now"), "data-points") > pointsBefore);
        Report(await fixture.ScreenshotAsync(page, "experiment-live-laptop"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task Audit_trail_says_so_when_the_assignment_service_cannot_answer()
    {
        var experiment = fixture.BrokerAdapter;
        var verdict = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Full });
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        var (page, errors) = await OpenAsync("/experiments/" + experiment.Id);

        var note = page.Locator("#audit [data-audit-note]");
        await note.WaitForAsync();
        Assert.Contains("Unavailable", await note.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("VERDICT_DECISION_ROLL_BACK", await page.Locator("#decision").GetAttributeAsync("data-decision"));
        Assert.Equal(verdict.Reasons, await page.Locator("#decision .reason-list li").AllInnerTextsAsync());
        Report(await fixture.ScreenshotAsync(page, "experiment-rollback-laptop"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task An_automatic_rollback_shows_the_ramp_to_zero_and_its_reason_from_the_audit_trail()
    {
        var experiment = fixture.OrderRouter;
        // What the statistics service asked of the assignment double: one ramp to 0% on the revision it watched.
        var ramp = await WaitForAsync(() => fixture.Definitions.Ramps.FirstOrDefault(r => r.Id == experiment.Id));
        Assert.Equal((double?)0, ramp.RolloutPercent);
        Assert.Equal(experiment.Revision, ramp.ExpectedRevision);
        var verdict = await fixture.Client.WaitForVerdictAsync(experiment.Id, v => v.ExperimentRevision == experiment.Revision + 1, TimeSpan.FromSeconds(30));
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        var (page, errors) = await OpenAsync("/experiments/" + experiment.Id);

        var notice = page.Locator("#decision [data-auto-rollback]");
        await notice.WaitForAsync();
        Assert.Equal("control", await notice.GetAttributeAsync("data-auto-rollback"));
        Assert.Contains("ramped to 0%", await notice.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("rolled back automatically", await page.Locator("#decision .decision-meaning").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("rollout 0%", await page.Locator("p.meta").First.InnerTextAsync(), StringComparison.Ordinal);
        // The audit trail leads with the ramp and the reason the statistics service gave.
        await page.WaitForFunctionAsync($"() => document.querySelector('#audit .audit-entry')?.dataset.revision === '{ramp.ExpectedRevision + 1}'", null, Patience);
        var newest = page.Locator("#audit .audit-entry").First;
        Assert.Equal("AUDIT_ACTION_RAMP", await newest.GetAttributeAsync("data-action"));
        Assert.Equal(ramp.Reason, await newest.Locator(".audit-reason").InnerTextAsync());
        Report(await fixture.ScreenshotAsync(page, "experiment-auto-rollback-laptop"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task Pages_can_be_used_with_the_keyboard_alone()
    {
        var (page, errors) = await OpenAsync("/");
        await page.Locator("tr[data-experiment]").First.WaitForAsync();

        // Skip link first, then the experiments in order; Enter opens one.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await ActiveAsync(page, "e => e.textContent"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await ActiveAsync(page, "e => e.id"));
        await page.Keyboard.PressAsync("Tab");
        var first = await page.Locator("tr[data-experiment] a.experiment-link").First.GetAttributeAsync("href");
        Assert.Equal(first, await ActiveAsync(page, "e => e.getAttribute('href')"));
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#decision-title").WaitForAsync();
        Assert.Equal(fixture.DashboardAddress + first, page.Url);

        // The tail toggle answers the keyboard, and stays focused across the re-render.
        var toggle = page.Locator("button[data-focus='tail-toggle']");
        await toggle.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("true", await toggle.GetAttributeAsync("aria-pressed"));
        Assert.Equal("tail-toggle", await page.EvaluateAsync<string>("() => document.activeElement.dataset.focus"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string path)
    {
        var (context, page, errors) = await fixture.OpenAsync(path);
        _contexts.Add(context);
        return (page, errors);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    private static Task<string> ActiveAsync(IPage page, string expression) =>
        page.EvaluateAsync<string>($"() => ({expression})(document.activeElement)");

    private void Report(string path)
    {
        output.WriteLine("screenshot: " + path);
        Console.WriteLine("screenshot: " + path);
    }

    private static async Task<double> NumberAsync(ILocator locator, string attribute)
    {
        var text = await locator.GetAttributeAsync(attribute) ?? throw new InvalidOperationException($"no {attribute}");
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The protobuf JSON string of a timestamp, as the page carries it.</summary>
    private static string Json(Google.Protobuf.WellKnownTypes.Timestamp timestamp) => JsonFormatter.Default.Format(timestamp).Trim('"');

    /// <summary>"VERDICT_DECISION_ROLL_BACK" → "RollBack", as the C# enum names it.</summary>
    private static string Pascal(string? protoName)
    {
        var parts = (protoName ?? "").Split('_');
        var prefixLength = parts.Length > 2 && parts[0] is "VERDICT" or "KPI" ? 2 : 0;
        return string.Concat(parts.Skip(prefixLength).Select(p => p[..1] + p[1..].ToLowerInvariant()));
    }
}
