using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// A test double of experiments.v1.Ingestion on Grpc.AspNetCore, in memory. Records every event it acknowledges
/// (by event id, so a resent batch is stored once) and the API key of each call; can hold acknowledgements behind
/// a gate, or fail the next calls with a status and trailers.
/// </summary>
internal sealed class FakeIngestion
{
    private readonly ConcurrentDictionary<string, Event> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(StatusCode Code, Metadata Trailers)> _failures = new();
    private TaskCompletionSource _gate = Released();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batchesReceived;

    public const string Address = "http://ingestion.test";

    public IReadOnlyCollection<Event> Events => _events.Values.ToArray();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public int BatchesReceived => Volatile.Read(ref _batchesReceived);

    /// <summary>Acknowledge nothing until <see cref="Release"/>.</summary>
    public void Block() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public void FailNextCall(StatusCode code, Metadata trailers) => _failures.Enqueue((code, trailers));

    /// <summary>Completes when <paramref name="condition"/> holds for the acknowledged events.</summary>
    public async Task WaitForAsync(Func<IReadOnlyCollection<Event>, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(Events))
            {
                return;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Serves <paramref name="fake"/> in memory, or on 127.0.0.1 for an app in another process (<paramref name="loopback"/>).</summary>
    public static async Task<GrpcTestServer> StartAsync(FakeIngestion fake, bool loopback = false) =>
        await GrpcTestServer.StartAsync(
            services => services.AddSingleton(fake),
            app => app.MapGrpcService<Service>(),
            loopback);

    private async Task<IngestResponse> CommitAsync(EventBatch batch, ServerCallContext context)
    {
        Interlocked.Increment(ref _batchesReceived);
        await _gate.Task.WaitAsync(context.CancellationToken);
        var response = new IngestResponse { BatchSequence = batch.Sequence };
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
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return response;
    }

    private void FailIfAsked(ServerCallContext context)
    {
        Authorizations.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
        if (_failures.TryDequeue(out var failure))
        {
            throw new RpcException(new Status(failure.Code, "test failure"), failure.Trailers);
        }
    }

    private static TaskCompletionSource Released()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.TrySetResult();
        return gate;
    }

    /// <summary>The service the SDK calls; one override per RPC.</summary>
    internal sealed class Service(FakeIngestion fake) : Contracts.V1.Ingestion.IngestionBase
    {
        public override async Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requestStream, ServerCallContext context)
        {
            fake.FailIfAsked(context);
            var last = new IngestResponse();
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                last = await fake.CommitAsync(requestStream.Current, context);
            }
            return last;
        }

        public override Task<IngestResponse> IngestBatch(EventBatch request, ServerCallContext context)
        {
            fake.FailIfAsked(context);
            return fake.CommitAsync(request, context);
        }

        public override async Task IngestStream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
        {
            fake.FailIfAsked(context);
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                await responseStream.WriteAsync(await fake.CommitAsync(requestStream.Current, context));
            }
        }
    }
}
