using System.Net;
using System.Text.RegularExpressions;
using Experiments.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>
/// Under sign-in the traffic page and its JSON need the capture scope (they hold client ids and what clients send): a key
/// with read alone reads the verdicts but gets 403 on the traffic routes, a key with capture reads them.
/// </summary>
public sealed class TrafficAccessTests(SignInTrafficDashboard fixture) : IClassFixture<SignInTrafficDashboard>
{
    private const string DevelopmentKey = "dev-local-key";

    [Fact]
    public async Task Without_credentials_the_json_answers_401_and_the_page_sends_to_sign_in()
    {
        using var client = AccessFixture.Probe();
        var json = await GetAsync(client, "/api/traffic", null);
        Assert.Equal(HttpStatusCode.Unauthorized, json.StatusCode);
        Assert.DoesNotContain("mobile-ios", json.Body, StringComparison.Ordinal);
        var page = await GetAsync(client, "/traffic", null);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/signin?ReturnUrl=" + Uri.EscapeDataString("/traffic"), page.Location);
    }

    [Fact]
    public async Task A_key_without_the_capture_scope_gets_403_on_the_traffic_routes_and_still_reads_verdicts()
    {
        using var client = AccessFixture.Probe();
        foreach (var key in new[] { TrafficDashboard.ReadOnlyKey, DevelopmentKey })
        {
            var refused = await GetAsync(client, "/api/traffic", key);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"/api/traffic answered {refused.StatusCode} to a key without capture");
            Assert.Contains("capture scope", refused.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("mobile-ios", refused.Body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, "/traffic", key)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/experiments", key)).StatusCode);
        }
        var ingestionCalls = fixture.Ingestion!.Authorizations.Count(a => a.Length > 0);
        var granted = await GetAsync(client, "/api/traffic", TrafficDashboard.CaptureKey);
        Assert.True(granted.StatusCode == HttpStatusCode.OK, $"/api/traffic answered {granted.StatusCode} to a capture key: {granted.Body}");
        Assert.Contains("mobile-ios-7.2", granted.Body, StringComparison.Ordinal);
        Assert.Equal(ingestionCalls + 1, fixture.Ingestion.Authorizations.Count(a => a.Length > 0));
    }

    [ChromiumFact]
    public async Task Signed_in_with_a_read_key_the_traffic_page_says_which_scope_is_missing()
    {
        var (context, page, _) = await fixture.OpenAsync("/traffic");
        try
        {
            await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
            await page.Locator("#key").FillAsync(TrafficDashboard.ReadOnlyKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            // Waits for what the person sees rather than for a navigation event, which a loaded machine can let pass
            // before the wait begins (seen once in CI).
            var alert = page.Locator("[role=alert]", new() { HasTextString = "lacks the capture scope" });
            await alert.WaitForAsync(new() { Timeout = 60_000 });
            Assert.Equal(fixture.DashboardAddress + "/traffic", page.Url);
            Assert.Equal(403, await page.EvaluateAsync<int>("async () => (await fetch('/api/traffic')).status"));
            Assert.Equal(200, await page.EvaluateAsync<int>("async () => (await fetch('/api/experiments')).status"));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task Signed_in_with_a_capture_key_the_traffic_page_shows_the_report()
    {
        var (context, page, errors) = await fixture.OpenAsync("/traffic");
        try
        {
            await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
            await page.Locator("#key").FillAsync(TrafficDashboard.CaptureKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.Locator("#clients tr[data-client]").Nth(3).WaitForAsync();
            Assert.Equal(fixture.Report.Clients.Select(c => c.ClientId), await page.Locator("#clients tr[data-client]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.client)"));
            Assert.True(errors.Count == 0, string.Join('\n', errors));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private async Task<Answer> GetAsync(HttpClient client, string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.DashboardAddress + path);
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        using var response = await client.SendAsync(request);
        return new Answer(response.StatusCode, response.Headers.Location?.OriginalString, await response.Content.ReadAsStringAsync());
    }

    private sealed record Answer(HttpStatusCode StatusCode, string? Location, string Body);
}

/// <summary>
/// Through OpenID Connect the capture scope comes only from <c>Dashboard:OpenIdConnect:CaptureClaimType</c>/<c>Value</c>:
/// a reader outside the analysts' group reads verdicts but not traffic; one inside reads both.
/// </summary>
public sealed class OpenIdConnectTrafficAccessTests(OpenIdConnectTrafficDashboard fixture) : IClassFixture<OpenIdConnectTrafficDashboard>
{
    [ChromiumFact]
    public async Task A_provider_user_in_the_capture_group_sees_the_traffic_page()
    {
        fixture.Provider.NextUser = ("analyst-1", "Ana Analyst", [OpenIdConnectDashboard.ReadersGroup, OpenIdConnectTrafficDashboard.AnalystsGroup]);
        var (context, page, errors) = await SignInAsync();
        try
        {
            await page.Locator("#clients tr[data-client]").Nth(3).WaitForAsync();
            Assert.Equal(fixture.DashboardAddress + "/traffic", page.Url.Split('?')[0]);
            Assert.True(errors.Count == 0, string.Join('\n', errors));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task A_provider_user_outside_the_capture_group_reads_verdicts_but_not_traffic()
    {
        fixture.Provider.NextUser = ("reader-2", "Rita Reader", [OpenIdConnectDashboard.ReadersGroup]);
        var (context, page, _) = await SignInAsync();
        try
        {
            var alert = page.Locator("[role=alert]");
            await alert.WaitForAsync();
            Assert.Contains("'Rita Reader' lacks the capture scope", await alert.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(403, await page.EvaluateAsync<int>("async () => (await fetch('/api/traffic')).status"));
            Assert.Equal(200, await page.EvaluateAsync<int>("async () => (await fetch('/api/experiments')).status"));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> SignInAsync()
    {
        var (context, page, errors) = await fixture.OpenAsync("/traffic");
        await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Test IdP" }).ClickAsync();
        return (context, page, errors);
    }
}
