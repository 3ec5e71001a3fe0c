using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Tests.Capture;

/// <summary>
/// A test double of experiments.v1.Captures on Grpc.AspNetCore, serving RecordCaptures only: keeps every request as it
/// arrived on the wire (its serialized bytes, to search for secrets) and the API key of each call; can hold its answers
/// behind a gate. Ingestion's other service, for the telemetry the same SDK sends, is <see cref="Support.FakeIngestion"/>.
/// </summary>
internal sealed class FakeCaptures
{
    private readonly ConcurrentQueue<byte[]> _requests = new();
    private readonly ConcurrentQueue<CapturedExchange> _exchanges = new();
    private TaskCompletionSource _gate = Released();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Each RecordCaptures request as serialized bytes, in arrival order.</summary>
    public IReadOnlyCollection<byte[]> Requests => _requests.ToArray();

    public IReadOnlyList<CapturedExchange> Exchanges => _exchanges.ToArray();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public void Block() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    /// <summary>Completes when <paramref name="condition"/> holds for the exchanges received.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<CapturedExchange>, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(Exchanges))
            {
                return;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Serves the Captures double and the Ingestion double together, as the one ingestion address the SDK has, in memory
    /// or on 127.0.0.1.
    /// </summary>
    public static async Task<GrpcTestServer> StartAsync(FakeCaptures captures, Support.FakeIngestion ingestion, bool loopback = false) =>
        await GrpcTestServer.StartAsync(
            services => services.AddSingleton(captures).AddSingleton(ingestion),
            app =>
            {
                app.MapGrpcService<Service>();
                app.MapGrpcService<Support.FakeIngestion.Service>();
            },
            loopback);

    private static TaskCompletionSource Released()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.TrySetResult();
        return gate;
    }

    internal sealed class Service(FakeCaptures fake) : Contracts.V1.Captures.CapturesBase
    {
        public override async Task<RecordCapturesResponse> RecordCaptures(RecordCapturesRequest request, ServerCallContext context)
        {
            fake.Authorizations.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
            await fake._gate.Task.WaitAsync(context.CancellationToken);
            fake._requests.Enqueue(request.ToByteArray());
            foreach (var exchange in request.Exchanges)
            {
                fake._exchanges.Enqueue(exchange);
            }
            Interlocked.Exchange(ref fake._changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return new RecordCapturesResponse { AcceptedCount = request.Exchanges.Count };
        }
    }
}
