using Experiments.Grpc;
using Experiments.Ingestion.Tests.Support;

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
        // Our client keeps grpc-* headers out of RpcException.Trailers, so the retry advice is checked on the wire.
        using var raw = await RawIngestBatchAsync(TestEvents.Requests(3, "rate", 160, 10));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("8", Header(raw, "grpc-status"));
        var pushback = Header(raw, "grpc-retry-pushback-ms");
        Assert.NotNull(pushback);
        Assert.InRange(int.Parse(pushback, System.Globalization.CultureInfo.InvariantCulture), 1, 1000);
        Assert.Equal(150, TestLogs.ReadAll(_host.Get<Log.EventLog>()).Count);
    }

    private async Task<HttpResponseMessage> RawIngestBatchAsync(Contracts.V1.EventBatch batch)
    {
        var message = Google.Protobuf.MessageExtensions.ToByteArray(batch);
        var body = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), message.Length);
        message.CopyTo(body, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, "/experiments.v1.Ingestion/IngestBatch")
        {
            Version = new Version(2, 0),
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", IngestionHost.IngestKey);
        var response = await _host.HttpClient.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? values.First() : null;
}
