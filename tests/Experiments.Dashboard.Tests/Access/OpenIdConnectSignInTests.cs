using System.Text.RegularExpressions;
using Experiments.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Access;

/// <summary>
/// With <c>Dashboard:OpenIdConnect</c> configured the sign-in page offers the identity provider: its users in the
/// configured group read the dashboard through the same HttpOnly, SameSite=Strict session; its other users are refused.
/// </summary>
public sealed class OpenIdConnectSignInTests(OpenIdConnectDashboard fixture) : IClassFixture<OpenIdConnectDashboard>, IAsyncLifetime
{
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
    public async Task A_provider_user_in_the_readers_group_signs_in_and_sees_the_list()
    {
        fixture.Provider.NextUser = ("reader-1", "Rita Reader", [OpenIdConnectDashboard.ReadersGroup, "traders"]);
        var (context, page) = await OpenAsync("/");
        await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
        var issued = fixture.Provider.TokensIssued;
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Test IdP" }).ClickAsync();

        await page.Locator($"tr[data-experiment='{fixture.Experiment.Id}']").WaitForAsync();
        Assert.Equal(fixture.DashboardAddress + "/", page.Url);
        Assert.Equal(issued + 1, fixture.Provider.TokensIssued);
        await page.Locator("#session-name:text('Rita Reader')").WaitForAsync();
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "experiments-dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
    }

    [ChromiumFact]
    public async Task A_provider_user_outside_the_readers_group_is_refused()
    {
        fixture.Provider.NextUser = ("outsider-1", "Otto Outsider", ["traders"]);
        var (_, page) = await OpenAsync("/");
        await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Test IdP" }).ClickAsync();

        var alert = page.Locator("[role=alert]");
        await alert.WaitForAsync();
        Assert.Contains("'Otto Outsider' lacks the read scope", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(403, await page.EvaluateAsync<int>("async () => (await fetch('/api/experiments')).status"));
        Assert.DoesNotContain(fixture.Experiment.Id, await page.ContentAsync(), StringComparison.Ordinal);
    }

    private async Task<(IBrowserContext Context, IPage Page)> OpenAsync(string path)
    {
        var context = await fixture.Browser!.NewContextAsync();
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(fixture.DashboardAddress + path);
        return (context, page);
    }
}
