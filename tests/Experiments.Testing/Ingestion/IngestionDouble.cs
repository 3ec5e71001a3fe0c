using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Testing.Ingestion;

/// <summary>
/// A double of experiments.v1.Ingestion (Ingest, IngestBatch, IngestStream). Keeps every batch it acknowledges with
/// the authorization header of its call, and the acknowledged events by event id (a resent batch is stored once, and
/// answered as duplicates); can hold acknowledgements behind a gate, or fail the next calls with a status and trailers.
/// </summary>
public sealed class IngestionDouble : IGrpcServiceDouble
{
    private readonly Lock _lock = new();
    private readonly List<(EventBatch Batch, string Authorization)> _batches = [];
    private readonly List<string> _authorizations = [];
    private readonly ConcurrentDictionary<string, Event> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(StatusCode Code, Metadata Trailers)> _failures = new();
    private readonly CallGate _gate = new();
    private readonly ChangeSignal _changed = new();
    private int _batchesReceived;

    /// <summary>The acknowledged events, one per event id.</summary>
    public IReadOnlyCollection<Event> Events => _events.Values.ToArray();

    /// <summary>Each acknowledged batch, in arrival order, with the authorization header of its call ("" when none).</summary>
    public IReadOnlyList<(EventBatch Batch, string Authorization)> Batches
    {
        get
        {
            lock (_lock)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>The events of every acknowledged batch as sent, in arrival order: a resent event appears again.</summary>
    public IReadOnlyList<Event> EventsSent => [.. Batches.SelectMany(b => b.Batch.Events)];

    /// <summary>The authorization header of each call, failed or not ("" when none).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get
        {
            lock (_lock)
            {
                return [.. _authorizations];
            }
        }
    }

    /// <summary>Batches that arrived, acknowledged or still held behind the gate.</summary>
    public int BatchesReceived => Volatile.Read(ref _batchesReceived);

    /// <summary>Acknowledge nothing until <see cref="Release"/>.</summary>
    public void Block() => _gate.Close();

    public void Release() => _gate.Open();

    /// <summary>Fails the next call (one per call to this) with <paramref name="code"/> and <paramref name="trailers"/>.</summary>
    public void FailNextCall(StatusCode code, Metadata trailers) => _failures.Enqueue((code, trailers));

    /// <summary>Completes when <paramref name="condition"/> holds for the acknowledged events.</summary>
    public Task WaitForAsync(Func<IReadOnlyCollection<Event>, bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _changed.WaitUntilAsync(() => condition(Events), cancellationToken);
    }

    /// <summary>Serves this double alone, in memory or on 127.0.0.1 (<paramref name="loopback"/>).</summary>
    public Task<GrpcTestServer> StartAsync(bool loopback = false) => GrpcTestServer.StartAsync([this], loopback);

    public void AddTo(IServiceCollection services) => services.AddSingleton(this);

    public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<Service>();

    private async Task<IngestResponse> CommitAsync(EventBatch batch, string authorization, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batchesReceived);
        await _gate.PassAsync(cancellationToken).ConfigureAwait(false);
        var response = new IngestResponse { BatchSequence = batch.Sequence };
        lock (_lock)
        {
            _batches.Add((batch, authorization));
        }
        foreach (var item in batch.Events)
        {
            if (_events.TryAdd(item.EventId, item))
            {
                response.AcceptedCount++;
            }
            else
            {
                response.DuplicateCount++;
            }
        }
        _changed.Notify();
        return response;
    }

    /// <summary>Records the call's authorization; throws the failure queued for it, if any.</summary>
    private string Admit(ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization") ?? "";
        lock (_lock)
        {
            _authorizations.Add(authorization);
        }
        if (_failures.TryDequeue(out var failure))
        {
            throw new RpcException(new Status(failure.Code, "test failure"), failure.Trailers);
        }
        return authorization;
    }

    private sealed class Service(IngestionDouble ingestion) : Contracts.V1.Ingestion.IngestionBase
    {
        public override async Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requestStream, ServerCallContext context)
        {
            var authorization = ingestion.Admit(context);
            var last = new IngestResponse();
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                last = await ingestion.CommitAsync(requestStream.Current, authorization, context.CancellationToken).ConfigureAwait(false);
            }
            return last;
        }

        public override Task<IngestResponse> IngestBatch(EventBatch request, ServerCallContext context) =>
            ingestion.CommitAsync(request, ingestion.Admit(context), context.CancellationToken);

        public override async Task IngestStream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
        {
            var authorization = ingestion.Admit(context);
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(await ingestion.CommitAsync(requestStream.Current, authorization, context.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
    }
}
