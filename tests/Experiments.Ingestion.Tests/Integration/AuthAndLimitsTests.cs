using Experiments.Ingestion.Tests.Support;
using Grpc.Core;

namespace Experiments.Ingestion.Tests.Integration;

public sealed class AuthAndLimitsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    public Task InitializeAsync()
    {
        _host = IngestionHost.Start(_dir.Path, new Dictionary<string, string>
        {
            [$"Ingestion:RateLimits:PerKey:{IngestionHost.IngestKeyName}"] = "100",
            ["Ingestion:RateLimits:BurstSeconds"] = "1",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Without_a_key_every_ingest_method_is_unauthenticated()
    {
        var client = _host.Client(apiKey: null);

        var unary = await Assert.ThrowsAsync<RpcException>(async () => await client.IngestBatchAsync(TestEvents.Requests(1, "anon", 0, 1)));
        using var stream = client.IngestStream();
        var duplex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await stream.RequestStream.WriteAsync(TestEvents.Requests(1, "anon", 0, 1));
            await stream.ResponseStream.MoveNext(CancellationToken.None);
        });

        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, duplex.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_unauthenticated_and_a_key_without_the_ingest_scope_is_denied()
    {
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client("not-a-key").IngestBatchAsync(TestEvents.Requests(1, "x", 0, 1)));
        var reader = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client(IngestionHost.ReadKey).IngestBatchAsync(TestEvents.Requests(1, "x", 0, 1)));

        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, reader.StatusCode);
        Assert.Empty(TestLogs.ReadAll(_host.Get<Log.EventLog>()));
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_resource_exhausted_with_retry_pushback()
    {
        var client = _host.Client();
        await client.IngestBatchAsync(TestEvents.Requests(1, "rate", 0, 150));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.IngestBatchAsync(TestEvents.Requests(2, "rate", 150, 10)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        // The retry advice a gRPC client honours (gRFC A6): how long to wait before trying again.
        var pushback = error.Trailers.GetValue("grpc-retry-pushback-ms");
        Assert.NotNull(pushback);
        Assert.InRange(int.Parse(pushback, System.Globalization.CultureInfo.InvariantCulture), 1, 1000);
        Assert.Equal(150, TestLogs.ReadAll(_host.Get<Log.EventLog>()).Count);
    }
}
