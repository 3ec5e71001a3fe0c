using System.Text;
using System.Text.Json.Nodes;
using Experiments.Sdk.Capture;
using Experiments.Testing.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Tests.Capture;

/// <summary>Field paths into nested and repeated parts of protobuf messages and JSON documents, and the options as configuration gives them.</summary>
public sealed class RedactionTests
{
    [Fact]
    public void A_nested_protobuf_path_redacts_a_copy_strings_replaced_and_other_fields_cleared()
    {
        var original = new EchoRequest { Message = "kept", Error = new EchoError { Code = 5, Message = "secret detail", RetryPushbackMs = 20 } };
        var before = original.Clone();
        var redaction = new ProtobufRedaction([FieldPath.Parse("error.message")!, FieldPath.Parse("error.code")!, FieldPath.Parse("delayMs")!]);
        var redactions = new HashSet<string>();

        var redacted = (EchoRequest)redaction.Redact(original, "request", redactions);

        Assert.Equal(new EchoRequest { Message = "kept", Error = new EchoError { Message = "{{redacted}}", RetryPushbackMs = 20 } }, redacted);
        Assert.Equal(before, original);
        // delay_ms (by its JSON name) was not set: nothing to redact, nothing listed.
        Assert.Equal(["request:error.code", "request:error.message"], redactions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_json_path_crosses_arrays_and_replaces_any_value()
    {
        var document = """{"items":[{"card":{"number":"4111","cvc":123}},{"card":{"number":"5500"}}],"pin":1234,"name":"ann"}""";
        var redactions = new HashSet<string>();

        var redacted = JsonRedaction.Redact(Encoding.UTF8.GetBytes(document), [FieldPath.Parse("items.card.number")!, FieldPath.Parse("$.pin")!, FieldPath.Parse("absent")!], "response", redactions);

        var expected = JsonNode.Parse("""{"items":[{"card":{"number":"{{redacted}}","cvc":123}},{"card":{"number":"{{redacted}}"}}],"pin":"{{redacted}}","name":"ann"}""");
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(redacted!)));
        Assert.Equal(["response:$.items.card.number", "response:$.pin"], redactions.Order(StringComparer.Ordinal));
        Assert.Null(JsonRedaction.Redact(Encoding.UTF8.GetBytes("{\"pin\": 12"), [FieldPath.Parse("pin")!], "request", redactions));
    }

    [Fact]
    public void Capture_and_replay_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Experiments:ServiceName"] = "trading-backend",
            ["Experiments:Capture:Enabled"] = "true",
            ["Experiments:Capture:SampleRate"] = "0.25",
            ["Experiments:Capture:ApiSampleRates:trading.v1.TradingCore/PlaceOrder"] = "1",
            ["Experiments:Capture:ApiSampleRates:GET /v1/portfolio/{account}"] = "0",
            ["Experiments:Capture:ClientAllowList:0"] = "mobile-ios",
            ["Experiments:Capture:MaxExchangeBytes"] = "1024",
            ["Experiments:Capture:StorageBudgetBytes"] = "1048576",
            ["Experiments:Capture:RedactHeaders:0"] = "x-api-key",
            ["Experiments:Capture:RedactFields:0"] = "order.account_token",
            ["Experiments:Capture:RedactFields:1"] = "$.password",
            ["Experiments:Replay:Enabled"] = "true",
            ["Experiments:Replay:Key"] = "k",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddExperiments();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ExperimentsOptions>>().Value;
        var capture = options.Capture;
        Assert.Equal(("trading-backend", true, 0.25, 1024, 1048576L, true, "k"),
            (options.ServiceName, capture.Enabled, capture.SampleRate, capture.MaxExchangeBytes, capture.StorageBudgetBytes, options.Replay.Enabled, options.Replay.Key));
        Assert.Equal(new Dictionary<string, double> { ["trading.v1.TradingCore/PlaceOrder"] = 1, ["GET /v1/portfolio/{account}"] = 0 }, capture.ApiSampleRates);
        Assert.Equal(["mobile-ios"], capture.ClientAllowList);
        Assert.Equal(["x-api-key"], capture.RedactHeaders);
        Assert.Equal(["order.account_token", "$.password"], capture.RedactFields);
    }
}
