using System.Net;
using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Dashboard.Tests.Support;

namespace Experiments.Dashboard.Tests.Browser;

/// <summary>The experiment page's results per API, and one experiment the dashboard cannot show among the others.</summary>
public sealed partial class DashboardBrowserTests
{
    [ChromiumFact]
    public async Task Experiment_page_groups_results_per_api_saying_what_each_api_is()
    {
        var experiment = fixture.TradingCore;
        var verdict = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Full });
        var (page, errors) = await OpenAsync("/experiments/" + experiment.Id);
        await page.Locator(".api-group").First.WaitForAsync();

        // One group per API in the experiment's order; the stream's staleness sits under the stream's own name.
        string[] expected = [DemoExperiments.TradingPlaceOrder, DemoExperiments.TradingBroker, "trading.v1.TradingCore/StreamQuotes", DemoExperiments.MarkupApi, "@all-calls", "@users"];
        var groups = page.Locator(".api-group");
        Assert.Equal(expected, await groups.EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.apiGroup)"));
        // The markup name has a space: by the naming rule its first word names a dependency.
        Assert.Equal(["served", "dependency", "served", "dependency", "all-calls", "users"], await groups.EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.apiSide)"));

        // Every KPI of the verdict is shown in its API's group: a forest row per comparison, or listed without one.
        var groupOf = new Dictionary<string, string>
        {
            ["place-order-p99"] = expected[0], ["broker-errors"] = expected[1], ["quote-staleness"] = expected[2], ["probe"] = expected[3],
            ["all-errors"] = expected[4], ["day1-retention"] = expected[5],
        };
        foreach (var kpi in verdict.KpiResults)
        {
            var inGroup = page.Locator($".api-group[data-api-group=\"{Css(groupOf[kpi.KpiKey])}\"] [data-kpi='{kpi.KpiKey}']");
            Assert.Equal(Math.Max(1, kpi.Comparisons.Count), await inGroup.Locator("xpath=self::*[contains(@class,'forest-row') or self::li]").CountAsync());
        }

        // Headings say who serves the API and what a stream measure is.
        Assert.Contains("gRPC method served by the backend", await GroupTextAsync(page, expected[0]), StringComparison.Ordinal);
        var broker = await GroupTextAsync(page, expected[1]);
        Assert.Contains("DEPENDENCY CALL", broker, StringComparison.Ordinal); // text-transform: uppercase, as innerText reads it
        Assert.Contains("call the backend makes to its dependency “broker”", broker, StringComparison.Ordinal);
        Assert.Contains("Staleness (#staleness): per message, the delay from its source time", await GroupTextAsync(page, expected[2]), StringComparison.Ordinal);
        Assert.Contains("Every call the backend served", await GroupTextAsync(page, expected[4]), StringComparison.Ordinal);

        // Names that are markup stay text: the API heading and the display name read as typed, and nothing ran.
        Assert.Equal(DemoExperiments.MarkupApi, await page.Locator($".api-group[data-api-group=\"{Css(DemoExperiments.MarkupApi)}\"] .api-name").InnerTextAsync());
        Assert.Equal(experiment.DisplayName, await page.Locator("h1").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main img, main script").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));

        Report(await fixture.ScreenshotAsync(page, "experiment-per-api-laptop"));
        await page.SetViewportSizeAsync(390, 844);
        Report(await fixture.ScreenshotAsync(page, "experiment-per-api-phone"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task One_experiment_that_cannot_be_shown_gets_an_error_line_and_the_others_render()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.DashboardAddress) };

        // The list answers 200 with every experiment; the one it cannot show carries an error instead of its definition.
        using var list = await http.GetAsync(new Uri("/api/experiments", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        var items = json.RootElement.GetProperty("experiments").EnumerateArray().ToList();
        var bad = Assert.Single(items, i => i.GetProperty("experiment").GetProperty("id").GetString() == fixture.Unshowable.Id);
        Assert.Contains("could not be shown", bad.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.All(items.Where(i => i.GetProperty("experiment").GetProperty("id").GetString() != fixture.Unshowable.Id),
            i => Assert.Equal(JsonValueKind.Null, i.GetProperty("error").ValueKind));
        // Its own page's data too: 200 with the error, not an empty 500.
        using var one = await http.GetAsync(new Uri("/api/experiments/" + fixture.Unshowable.Id, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Contains("could not be shown", await one.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains($"Dashboard cannot show the definition of experiment {fixture.Unshowable.Id}", fixture.ServiceOutput, StringComparison.Ordinal);

        var (page, errors) = await OpenAsync("/");
        var row = page.Locator($"tr[data-experiment='{fixture.Unshowable.Id}']");
        await row.WaitForAsync();
        Assert.Equal("ERROR", await row.GetAttributeAsync("data-decision"));
        Assert.Contains("Cannot show this experiment:", await row.InnerTextAsync(), StringComparison.Ordinal);
        foreach (var experiment in new[] { fixture.MatchingEngine, fixture.BrokerAdapter, fixture.TradingCore })
        {
            var verdict = await fixture.Client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experiment.Id, View = VerdictView.Basic });
            Assert.Equal(verdict.Decision.ToString(), Pascal(await page.Locator($"tr[data-experiment='{experiment.Id}']").GetAttributeAsync("data-decision")));
        }
        Report(await fixture.ScreenshotAsync(page, "list-with-an-unshowable-experiment"));

        var (experimentPage, pageErrors) = await OpenAsync("/experiments/" + fixture.Unshowable.Id);
        var notice = experimentPage.Locator("[data-experiment-error]");
        await notice.WaitForAsync();
        Assert.Contains("Part of this experiment cannot be shown", await notice.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(errors.Count + pageErrors.Count == 0, string.Join('\n', errors.Concat(pageErrors)));
    }

    private static Task<string> GroupTextAsync(Microsoft.Playwright.IPage page, string group) =>
        page.Locator($".api-group[data-api-group=\"{Css(group)}\"] .api-heading").InnerTextAsync();

    /// <summary>A value inside a double-quoted CSS attribute selector.</summary>
    private static string Css(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
