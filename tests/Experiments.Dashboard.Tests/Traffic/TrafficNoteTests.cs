using System.Text.Json;
using Experiments.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>An ingestion service that is not there: the JSON carries no report and a note with the address and the status.</summary>
public sealed class UnreachableIngestionTests(UnreachableTrafficDashboard fixture) : IClassFixture<UnreachableTrafficDashboard>
{
    [Fact]
    public async Task Api_traffic_answers_a_note_naming_the_address_and_the_status()
    {
        var (report, note) = await TrafficNote.GetAsync(fixture);
        Assert.Equal(JsonValueKind.Null, report);
        Assert.Contains(UnreachableTrafficDashboard.ClosedAddress, note, StringComparison.Ordinal);
        Assert.Contains("Unavailable", note, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task The_page_shows_the_note_instead_of_failing()
    {
        var note = await TrafficNote.ShownAsync(fixture);
        Assert.Contains(UnreachableTrafficDashboard.ClosedAddress, note, StringComparison.Ordinal);
        Assert.Contains("Unavailable", note, StringComparison.Ordinal);
    }
}

/// <summary>No Dashboard:IngestionAddress: the note says which setting to give.</summary>
public sealed class UnconfiguredIngestionTests(UnconfiguredTrafficDashboard fixture) : IClassFixture<UnconfiguredTrafficDashboard>
{
    [Fact]
    public async Task Api_traffic_answers_a_note_naming_the_setting()
    {
        var (report, note) = await TrafficNote.GetAsync(fixture);
        Assert.Equal(JsonValueKind.Null, report);
        Assert.Contains("Dashboard:IngestionAddress", note, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task The_page_shows_the_note_instead_of_failing() =>
        Assert.Contains("Dashboard:IngestionAddress", await TrafficNote.ShownAsync(fixture), StringComparison.Ordinal);
}

internal static class TrafficNote
{
    public static async Task<(JsonValueKind Report, string Note)> GetAsync(TrafficDashboard fixture)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await client.GetAsync(fixture.DashboardAddress + "/api/traffic");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/api/traffic answered {response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return (document.RootElement.GetProperty("report").ValueKind, document.RootElement.GetProperty("note").GetString() ?? "");
    }

    /// <summary>The note the traffic page shows, after checking the page raised no error of its own.</summary>
    public static async Task<string> ShownAsync(TrafficDashboard fixture)
    {
        var (context, page, errors) = await fixture.OpenAsync("/traffic");
        try
        {
            var note = page.Locator("#clients [data-traffic-note]");
            await note.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            Assert.True(errors.Count == 0, string.Join('\n', errors));
            return await note.InnerTextAsync();
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
