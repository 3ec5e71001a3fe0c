using System.Diagnostics.Metrics;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Captures;
using Experiments.Ingestion.Tests.Support;
using Experiments.Ingestion.Tests.Unit;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Experiments.Ingestion.Tests.Captures;

/// <summary>Captured exchanges to store, capture stores over a real file, and an ingestion host with a capture-scoped key.</summary>
internal static class TestCaptures
{
    public const string CaptureKey = "capture-key";

    public static readonly DateTimeOffset Epoch = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static CapturedExchange Exchange(string id, DateTimeOffset start, string client = "web", string api = "trading.v1.TradingCore/PlaceOrder", int bodyBytes = 16) => new()
    {
        CaptureId = id,
        ServiceName = "trading",
        ClientId = client,
        UnitId = "u-" + client,
        Protocol = CaptureProtocol.Grpc,
        ApiName = api,
        HttpMethod = "POST",
        Path = "/" + api,
        StartTime = Timestamp.FromDateTimeOffset(start),
        DurationMs = 12.5,
        RequestHeaders = { new CapturedHeader { Name = "authorization", Value = "{{redacted}}" } },
        RequestMessages = { new CapturedMessage { Payload = ByteString.CopyFrom(new byte[bodyBytes]), Text = "{}", SizeBytes = bodyBytes } },
        Redactions = { "header:authorization" },
    };

    public static CaptureStore OpenStore(string path, CaptureOptions? options = null, TimeProvider? time = null) =>
        new(path, new StaticOptions<CaptureOptions>(options ?? new CaptureOptions()), time ?? TimeProvider.System, new IngestionMetrics(Meters), NullLogger<CaptureStore>.Instance);

    /// <summary>An ingestion host whose keys are: ingest only (<see cref="IngestionHost.IngestKey"/>), read only, and capture only (<see cref="CaptureKey"/>).</summary>
    public static IngestionHost StartHost(string dataPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            // appsettings.json gives its first key (dev-local-key) a fourth scope, capture; the ingest key replaces it.
            ["Auth:ApiKeys:0:Scopes:3"] = "",
            ["Auth:ApiKeys:2:Key"] = CaptureKey,
            ["Auth:ApiKeys:2:Name"] = "analyst",
            ["Auth:ApiKeys:2:Scopes:0"] = "capture",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        return IngestionHost.Start(dataPath, all);
    }

    public static Contracts.V1.Captures.CapturesClient CapturesClient(this IngestionHost host, string? apiKey) => new(host.Channel.WithApiKey(apiKey));
}
