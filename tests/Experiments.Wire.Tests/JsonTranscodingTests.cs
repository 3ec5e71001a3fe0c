using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Experiments.Wire.Tests;

/// <summary>
/// The annotated RPCs over HTTP/1.1 with JSON, as curl or Postman's HTTP mode call them: define and start an
/// experiment, assign a unit, read the verdict — the protobuf JSON mapping, and gRPC statuses as HTTP statuses.
/// </summary>
[Collection(nameof(RunningServices))]
public sealed class JsonTranscodingTests(RunningServices services)
{
    [Fact]
    public async Task An_experiment_is_defined_started_and_assigned_with_json_over_http1()
    {
        using var assignment = Client("assignment");
        var id = "json-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await assignment.PostAsync("/v1/experiments", Json($$$"""
            {"experimentId": "{{{id}}}", "experiment": {"flagKey": "{{{id}}}-flag", "randomizationUnit": "RANDOMIZATION_UNIT_USER",
             "rolloutPercent": 100, "minimumDetectableEffect": 0.05,
             "variants": [{"key": "control", "weight": 50, "isControl": true}, {"key": "fast", "weight": 50}],
             "kpis": [{"key": "p99", "kind": "KPI_KIND_LATENCY_P99", "role": "KPI_ROLE_PRIMARY"}]}}
            """));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var experiment = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("EXPERIMENT_STATUS_DRAFT", experiment.GetProperty("status").GetString());

        using var started = await assignment.PostAsync($"/v1/experiments/{id}:start", Json("""{"expectedRevision": 1}"""));
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());

        using var read = await assignment.GetFromJsonAsync<JsonDocument>($"/v1/experiments/{id}");
        Assert.Equal("EXPERIMENT_STATUS_RUNNING", read!.RootElement.GetProperty("status").GetString());

        using var assigned = await assignment.PostAsync("/v1/assignments:assign", Json($$"""{"context": {"userId": "user-42"}, "flagKeys": ["{{id}}-flag"]}"""));
        var assignments = (await assigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignments");
        Assert.Equal(1, assignments.GetArrayLength());
        Assert.Contains(assignments[0].GetProperty("variantKey").GetString(), new[] { "control", "fast" });
    }

    [Fact]
    public async Task Refusals_are_http_statuses_with_the_grpc_message()
    {
        using var assignment = Client("assignment");
        using var missing = await assignment.GetAsync("/v1/experiments/no-such-experiment");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = new Uri(services.RestAddresses["statistics"]) };
        using var refused = await anonymous.GetAsync("/v1/experiments/anything/verdict");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("read", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_served_for_prometheus_over_http1()
    {
        using var client = Client("ingestion");
        var text = await client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
    }

    private HttpClient Client(string service)
    {
        var client = new HttpClient { BaseAddress = new Uri(services.RestAddresses[service]), Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RunningServices.ApiKey);
        return client;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
