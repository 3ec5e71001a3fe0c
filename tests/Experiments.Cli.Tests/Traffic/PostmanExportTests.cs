using System.Text.Json;
using System.Text.Json.Nodes;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>The Postman Collection v2.1 export, checked against the published schema and read back as Postman reads it.</summary>
public sealed class PostmanExportTests
{
    private static CapturedExchange[] Mixed() =>
        [SampleExchanges.HttpPost(), SampleExchanges.HttpGet(), SampleExchanges.GrpcUnary(), SampleExchanges.GrpcClientStream()];

    [PostmanSchemaFact]
    public async Task The_export_is_valid_against_the_published_collection_v2_1_0_schema()
    {
        foreach (var grouping in new[] { PostmanGrouping.Client, PostmanGrouping.Api })
        {
            var json = PostmanCollectionExport.Write(Mixed(), new PostmanExportOptions { Name = "orders", GroupBy = grouping });

            var (code, report) = await PostmanSchema.ValidateAsync(json);

            Assert.True(code == 0, $"grouped by {grouping}: {report}");
        }
    }

    [PostmanSchemaFact]
    public async Task The_schema_check_rejects_what_the_schema_forbids()
    {
        // The check must be able to fail: a method outside the schema's list, and a collection without info.schema.
        var collection = JsonNode.Parse(PostmanCollectionExport.Write(Mixed(), new PostmanExportOptions()))!;
        collection["item"]![0]!["item"]![0]!["request"]!["method"] = "FETCH";
        collection["info"]!.AsObject().Remove("schema");

        var (code, report) = await PostmanSchema.ValidateAsync(collection.ToJsonString());

        Assert.Equal(1, code);
        Assert.Contains("'FETCH' is not one of", report, StringComparison.Ordinal);
        Assert.Contains("'schema' is a required property", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_keep_the_recorded_method_path_query_headers_and_body_and_secrets_become_empty_variables()
    {
        var post = SampleExchanges.HttpPost();
        var collection = JsonNode.Parse(PostmanCollectionExport.Write([post], new PostmanExportOptions()))!;

        var folder = collection["item"]![0]!;
        Assert.Equal("client mobile-app", (string?)folder["name"]);
        var request = folder["item"]![0]!["request"]!;
        Assert.Equal("POST", (string?)request["method"]);
        Assert.Equal("{{baseUrl}}/v1/orders?account=42&dry_run=true", (string?)request["url"]!["raw"]);
        Assert.Equal(["v1", "orders"], request["url"]!["path"]!.AsArray().Select(n => (string?)n));
        Assert.Equal([("account", "42"), ("dry_run", "true")], request["url"]!["query"]!.AsArray().Select(q => ((string?)q!["key"], (string?)q["value"])));
        var headers = request["header"]!.AsArray().ToDictionary(h => (string)h!["key"]!, h => (string?)h!["value"]);
        Assert.Equal("{{authorization}}", headers["authorization"]);
        Assert.Equal("it's a \"test\" $PATH", headers["x-trace-note"]);
        Assert.Equal("application/json", headers["content-type"]);
        // The client sets these itself.
        Assert.False(headers.ContainsKey("host"));
        Assert.False(headers.ContainsKey("content-length"));
        Assert.Equal(SampleExchanges.TrickyBody, (string?)request["body"]!["raw"]);
        Assert.Equal("json", (string?)request["body"]!["options"]!["raw"]!["language"]);

        var variables = collection["variable"]!.AsArray().ToDictionary(v => (string)v!["key"]!, v => (string?)v!["value"]);
        Assert.Equal("http://orders.internal:8080", variables["baseUrl"]);
        Assert.Equal("", variables["authorization"]);
        // The secret itself was never in the capture, and nothing else stands in for it.
        Assert.DoesNotContain("{{redacted}}\"", request["header"]!.ToJsonString(), StringComparison.Ordinal);

        var response = folder["item"]![0]!["response"]![0]!;
        Assert.Equal(201, (int)response["code"]!);
        Assert.Equal("{\"id\":\"o-1\"}", (string?)response["body"]);
    }

    [Fact]
    public void A_target_replaces_the_recorded_authority_and_grpc_calls_are_listed_as_grpcurl_commands_in_the_description()
    {
        var collection = JsonNode.Parse(PostmanCollectionExport.Write(Mixed(), new PostmanExportOptions { Target = ExportTarget.For(new Uri("https://staging.example:8443/api")) }))!;

        var variables = collection["variable"]!.AsArray().ToDictionary(v => (string)v!["key"]!, v => (string?)v!["value"]);
        Assert.Equal("https://staging.example:8443/api", variables["baseUrl"]);
        Assert.Equal("", variables["x_api_key"]);
        // Two HTTP requests in two client folders; no gRPC call is a request.
        Assert.Equal(2, collection["item"]!.AsArray().Sum(f => f!["item"]!.AsArray().Count));
        var description = (string)collection["info"]!["description"]!;
        Assert.Contains("2 recorded gRPC call(s)", description, StringComparison.Ordinal);
        Assert.Contains("'experiments.v1.ExperimentAdmin/CreateExperiment'", description, StringComparison.Ordinal);
        Assert.Contains("'experiments.v1.Ingestion/Ingest'", description, StringComparison.Ordinal);
        Assert.Contains("'staging.example:8443'", description, StringComparison.Ordinal);
        Assert.Equal("https://schema.getpostman.com/json/collection/v2.1.0/collection.json", (string?)collection["info"]!["schema"]);
    }

    [Fact]
    public void Grouping_by_api_makes_one_folder_per_api()
    {
        var collection = JsonNode.Parse(PostmanCollectionExport.Write(
            [SampleExchanges.HttpPost(), SampleExchanges.HttpGet(), SampleExchanges.HttpPost()], new PostmanExportOptions { GroupBy = PostmanGrouping.Api }))!;

        var folders = collection["item"]!.AsArray().Select(f => ((string?)f!["name"], f["item"]!.AsArray().Count)).ToList();

        Assert.Equal([("POST /v1/orders", 2), ("GET /v1/portfolio/{account}", 1)], folders);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(collection.ToJsonString()).RootElement.ValueKind);
    }
}
