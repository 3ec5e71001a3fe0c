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
    public async Task The_openapi_document_lists_every_json_route_of_the_service()
    {
        using var client = Client("assignment");
        using var document = await client.GetFromJsonAsync<JsonDocument>("/openapi/v1.json");
        // Parameter names are the generator's choice (proto or JSON field name): compare the routes' shapes.
        var paths = document!.RootElement.GetProperty("paths").EnumerateObject().Select(p => Shape(p.Name)).ToHashSet();
        // The routes of protos/experiments/v1 (google.api.http) that assignment serves.
        string[] expected = ["/v1/experiments", "/v1/experiments/{id}", "/v1/experiments/{experiment.id}", "/v1/experiments/{id}:start",
            "/v1/experiments/{id}:stop", "/v1/experiments/{id}:ramp", "/v1/experiments/{id}:archive", "/v1/auditEntries",
            "/v1/experiments/{experiment_id}/auditEntries", "/v1/assignments:assign"];
        var missing = expected.Select(Shape).Except(paths).ToList();
        Assert.True(missing.Count == 0, $"missing from the OpenAPI document: {string.Join(", ", missing)}; it has {string.Join(", ", paths)}");
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

    private static string Shape(string route) => System.Text.RegularExpressions.Regex.Replace(route, "{[^}]*}", "{}");

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
