using System.Net;
using System.Text.RegularExpressions;
using Experiments.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Access;

/// <summary>
/// Beyond loopback the dashboard asks for the services' API keys with the read scope: nothing without them, a read key
/// as a bearer credential or through the sign-in page, a key without read refused, and a session cookie that scripts
/// cannot read and other sites cannot send.
/// </summary>
public sealed partial class SignInTests(SignInDashboard fixture) : IClassFixture<SignInDashboard>, IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    private string Id => fixture.Experiment.Id;

    private string[] ApiPaths => ["/api/experiments", "/api/experiments/" + Id, "/api/experiments/" + Id + "/history", "/api/experiments/" + Id + "/audit", "/api/live"];

    private string[] PagePaths => ["/", "/experiments/" + Id];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Without_credentials_every_data_endpoint_and_the_stream_answer_401_and_pages_send_to_sign_in()
    {
        using var client = AccessFixture.Probe();
        foreach (var path in ApiPaths)
        {
            var answer = await GetAsync(client, path, null);
            Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{path} answered {answer.StatusCode}");
            Assert.DoesNotContain(Id, answer.Body, StringComparison.Ordinal);
        }
        foreach (var path in PagePaths)
        {
            var answer = await GetAsync(client, path, null);
            Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"{path} answered {answer.StatusCode}");
            Assert.Equal("/signin?ReturnUrl=" + Uri.EscapeDataString(path), answer.Location);
            Assert.DoesNotContain(Id, answer.Body, StringComparison.Ordinal);
        }
        // A key that is not configured is no better than none.
        foreach (var path in ApiPaths)
        {
            var answer = await GetAsync(client, path, "not-a-configured-key");
            Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{path} with an unknown key answered {answer.StatusCode}");
            Assert.DoesNotContain(Id, answer.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_read_key_as_bearer_reads_the_json_and_the_stream_and_a_key_without_read_gets_403()
    {
        using var client = AccessFixture.Probe();
        foreach (var path in ApiPaths)
        {
            var granted = await GetAsync(client, path, AccessFixture.ReadKey);
            Assert.True(granted.StatusCode == HttpStatusCode.OK, $"{path} with the read key answered {granted.StatusCode}: {granted.Body}");
            var refused = await GetAsync(client, path, AccessFixture.IngestOnlyKey);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} with the ingest-only key answered {refused.StatusCode}");
            Assert.DoesNotContain(Id, refused.Body, StringComparison.Ordinal);
            Assert.Contains("read scope", refused.Body, StringComparison.Ordinal);
        }
        Assert.Contains(Id, (await GetAsync(client, "/api/experiments", AccessFixture.ReadKey)).Body, StringComparison.Ordinal);
        Assert.Equal("text/event-stream", (await GetAsync(client, "/api/live", AccessFixture.ReadKey)).MediaType);
    }

    [Fact]
    public async Task A_foreign_host_header_gets_400_even_with_a_read_key()
    {
        using var client = AccessFixture.Probe();
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.DashboardAddress + "/api/experiments");
        request.Headers.Host = "rebind.attacker.example";
        request.Headers.Authorization = new("Bearer", AccessFixture.ReadKey);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(Id, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_form_sets_an_HttpOnly_SameSite_Strict_session_that_holds_no_key_and_refuses_foreign_forms()
    {
        using var client = AccessFixture.Probe();
        // Another site's form carries no antiforgery token: no session, whatever key it sends (login CSRF).
        using (var forged = await client.PostAsync(fixture.DashboardAddress + "/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AccessFixture.ReadKey })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.DoesNotContain(SessionCookies(forged), c => c.StartsWith("experiments-dashboard=", StringComparison.Ordinal));
        }

        using var form = await client.GetAsync(fixture.DashboardAddress + "/signin");
        var html = await form.Content.ReadAsStringAsync();
        var token = TokenField().Match(html);
        Assert.True(token.Success, html);
        var antiforgeryCookie = SessionCookies(form).Single(c => c.StartsWith("experiments-dashboard-antiforgery=", StringComparison.Ordinal)).Split(';')[0];
        using var post = new HttpRequestMessage(HttpMethod.Post, fixture.DashboardAddress + "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value),
                ["key"] = AccessFixture.ReadKey,
                // Never sent on to another site after signing in.
                ["ReturnUrl"] = "//attacker.example/steal",
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie);
        using var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        var session = SessionCookies(signedIn).Single(c => c.StartsWith("experiments-dashboard=", StringComparison.Ordinal));
        var attributes = session.Split(';', StringSplitOptions.TrimEntries).Skip(1).ToList();
        Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(AccessFixture.ReadKey, session, StringComparison.Ordinal);

        using var list = new HttpRequestMessage(HttpMethod.Get, fixture.DashboardAddress + "/api/experiments");
        list.Headers.Add("Cookie", session.Split(';')[0]);
        using var listed = await client.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains(Id, await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task A_read_key_signs_in_in_the_browser_sees_the_list_and_signs_out()
    {
        var (context, page) = await OpenAsync("/experiments/" + Id);
        await page.WaitForURLAsync(new Regex("/signin\\?ReturnUrl="));
        await page.Locator("#key").FillAsync(AccessFixture.ReadKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Back where the visitor was headed, and the page shows what only a signed-in visitor may read.
        await page.WaitForURLAsync(fixture.DashboardAddress + "/experiments/" + Id, new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByText(fixture.Experiment.DisplayName).First.WaitForAsync();

        await page.GotoAsync(fixture.DashboardAddress + "/");
        await page.Locator($"tr[data-experiment='{Id}']").WaitForAsync();
        Assert.Equal(AccessFixture.ReadKeyName, await page.Locator("#session-name").InnerTextAsync());
        var screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");
        Directory.CreateDirectory(screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "signed-in-list.png") });
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "experiments-dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(AccessFixture.ReadKey, cookie.Value, StringComparison.Ordinal);
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        // The sign-in page, possibly with a ReturnUrl: the list's own requests, answered 401 once signed out, may send
        // the browser there first (timed out once in CI waiting for the bare /signin).
        await page.WaitForURLAsync(new Regex("/signin(\\?|$)"));
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "experiments-dashboard");
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/experiments')).status");
        Assert.Equal(401, status);
    }

    [ChromiumFact]
    public async Task A_key_without_read_is_refused_in_the_browser()
    {
        var (context, page) = await OpenAsync("/");
        await page.WaitForURLAsync(new Regex("/signin"));
        await page.Locator("#key").FillAsync(AccessFixture.IngestOnlyKey);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(403, response.Status);
        Assert.Contains("lacks the read scope", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "experiments-dashboard");
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/experiments')).status");
        Assert.Equal(401, status);
    }

    private async Task<(IBrowserContext Context, IPage Page)> OpenAsync(string path)
    {
        var context = await fixture.Browser!.NewContextAsync();
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(fixture.DashboardAddress + path);
        return (context, page);
    }

    /// <summary>The response's own Set-Cookie headers, raw, as a browser receives them.</summary>
    private static List<string> SessionCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? [.. cookies] : [];

    private async Task<Answer> GetAsync(HttpClient client, string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.DashboardAddress + path);
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        // An event stream that was let through never ends: its headers are the answer.
        var body = mediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, mediaType, response.Headers.Location?.OriginalString, body);
    }

    private sealed record Answer(HttpStatusCode StatusCode, string? MediaType, string? Location, string Body);

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex TokenField();
}
