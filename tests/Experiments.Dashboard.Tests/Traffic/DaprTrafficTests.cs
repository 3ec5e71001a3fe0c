using System.Text.Json;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Experiments.Testing.Dapr;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>
/// Dapr mode: statistics beside the sidecar double with <c>Dashboard:IngestionDaprAppId</c> and no ingestion address,
/// so the traffic page's GetTrafficReport goes to the sidecar's gRPC port with <c>dapr-app-id: ingestion</c> and the
/// sidecar proxies it to the Captures double registered under that app id.
/// </summary>
public sealed class DaprTrafficDashboard : TrafficDashboard
{
    private GrpcTestServer? _capturesServer;

    internal CapturesDouble Captures { get; } = new();

    public DaprSidecarDouble Sidecar { get; private set; } = null!;

    protected override bool WithIngestion => false;

    protected override async Task<string[]> ArgumentsAsync()
    {
        Captures.Reports[""] = Report;
        _capturesServer = await Captures.StartAsync(loopback: true);
        Sidecar = await DaprSidecarDouble.StartAsync();
        Sidecar.RouteApp("ingestion", _capturesServer.Address!);
        return
        [
            "--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:IngestionDaprAppId=ingestion", "--Dashboard:IngestionApiKey=" + IngestionKey,
            "--Dapr:HttpPort=" + Sidecar.HttpPort, "--Dapr:GrpcPort=" + Sidecar.GrpcPort,
        ];
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
        if (_capturesServer is not null)
        {
            await _capturesServer.DisposeAsync();
        }
    }
}

public sealed class DaprTrafficTests(DaprTrafficDashboard fixture) : IClassFixture<DaprTrafficDashboard>
{
    [Fact]
    public async Task The_traffic_json_gets_ingestions_report_through_the_sidecar()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        using var response = await client.GetAsync(fixture.DashboardAddress + "/api/traffic");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/api/traffic answered {response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Object, document.RootElement.GetProperty("report").ValueKind);
        // The client the sample report names, as the Captures double served it to the sidecar.
        Assert.Contains("mobile-ios-7.2", body, StringComparison.Ordinal);
        Assert.Contains("Invoke ingestion/experiments.v1.Captures/GetTrafficReport", fixture.Sidecar.Calls);
        // The dashboard's key went through the sidecar to ingestion.
        Assert.Contains("Bearer " + TrafficDashboard.IngestionKey, fixture.Captures.Authorizations);
    }
}
