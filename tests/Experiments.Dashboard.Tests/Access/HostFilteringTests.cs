using System.Net;
using Experiments.Dashboard.Tests.Support;

namespace Experiments.Dashboard.Tests.Access;

/// <summary>
/// DNS rebinding: a page on another site whose name is made to resolve to the dashboard's address sends its own name as
/// Host. The dashboard answers only its own names, so such a page reads nothing — even on loopback, where it is open.
/// </summary>
public sealed class HostFilteringTests(OpenLoopbackDashboard fixture) : IClassFixture<OpenLoopbackDashboard>
{
    private string[] DataPaths =>
    [
        "/", "/experiments/" + fixture.Experiment.Id, "/api/experiments", "/api/experiments/" + fixture.Experiment.Id,
        "/api/experiments/" + fixture.Experiment.Id + "/history", "/api/experiments/" + fixture.Experiment.Id + "/audit",
        "/api/live", "/assets/app.js",
    ];

    [Fact]
    public async Task A_foreign_host_header_gets_400_and_no_data_on_every_path()
    {
        using var client = AccessFixture.Probe();
        var port = new Uri(fixture.DashboardAddress).Port;
        foreach (var path in DataPaths)
        {
            foreach (var host in new[] { "rebind.attacker.example", "rebind.attacker.example:" + port, "127.0.0.1.attacker.example:" + port })
            {
                var (status, body) = await GetAsync(client, path, host);
                Assert.True(status == HttpStatusCode.BadRequest, $"{path} with Host {host} answered {status}");
                Assert.DoesNotContain(fixture.Experiment.Id, body, StringComparison.Ordinal);
                Assert.DoesNotContain(fixture.Experiment.DisplayName, body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_loopback_names_read_the_open_dashboard()
    {
        using var client = AccessFixture.Probe();
        var port = new Uri(fixture.DashboardAddress).Port;
        foreach (var host in new[] { "localhost:" + port, "127.0.0.1:" + port, "LOCALHOST:" + port })
        {
            var (status, body) = await GetAsync(client, "/api/experiments", host);
            Assert.True(status == HttpStatusCode.OK, $"Host {host} answered {status}: {body}");
            Assert.Contains(fixture.Experiment.Id, body, StringComparison.Ordinal);
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.DashboardAddress + path);
        request.Headers.Host = host;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // A stream that was let through: its headers are the answer; its body never ends.
            return (response.StatusCode, "");
        }
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
