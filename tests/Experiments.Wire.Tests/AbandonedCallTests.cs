using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Wire.Tests;

/// <summary>
/// A client that gives up on a call is an everyday event, not a server error: the service must not log it as one (no
/// error, no stack trace), and its call telemetry must count it CANCELLED, not UNKNOWN.
/// </summary>
[Collection(nameof(RunningServices))]
public sealed class AbandonedCallTests(RunningServices services)
{
    [Fact]
    public async Task A_client_disposing_a_half_closed_duplex_call_is_not_logged_as_an_error()
    {
        var ingestion = services["ingestion"];
        using var channel = GrpcChannel.ForAddress(ingestion.Address);
        var client = new Contracts.V1.Ingestion.IngestionClient(channel);
        var headers = new Metadata { { "authorization", "Bearer " + RunningServices.ApiKey } };
        var before = ingestion.Output.Length;

        for (var i = 0; i < 20; i++)
        {
            var call = client.IngestStream(headers);
            await call.RequestStream.WriteAsync(new EventBatch { Sequence = i + 1, Events = { Event() } });
            await call.RequestStream.CompleteAsync();
            call.Dispose();
        }
        // Ask again until the service has surely handled the abandoned calls (each ends before this one is answered
        // on the same connection), then read what it logged meanwhile.
        using var probe = client.IngestStream(headers);
        await probe.RequestStream.CompleteAsync();
        await probe.ResponseStream.MoveNext(CancellationToken.None);
        await Task.Delay(500);

        var logged = ingestion.Output[before..];
        Assert.False(logged.Contains("fail:", StringComparison.Ordinal), logged);
        Assert.False(logged.Contains("Exception", StringComparison.Ordinal), logged);
        // The call telemetry logs failures (not cancellations) at information level: a cancelled call is not UNKNOWN.
        Assert.False(logged.Contains("failed with Unknown", StringComparison.Ordinal), logged);
    }

    private static Event Event() => new()
    {
        EventId = Guid.NewGuid().ToString(),
        EventTime = Timestamp.FromDateTime(DateTime.UtcNow),
        UserId = "abandoning-user",
        Request = new RequestEvent { ApiName = "GET /probe", LatencyMs = 3, StatusCode = 200, ClientId = "probe" },
    };
}
