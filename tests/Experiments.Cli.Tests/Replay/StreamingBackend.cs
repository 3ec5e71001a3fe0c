using System.Collections.Concurrent;
using System.Text;
using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;
using Experiments.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Cli.Tests.Replay;

/// <summary>
/// A loopback backend with the three streaming shapes, each answering by the variant a valid replay token forces:
/// Assignment/WatchDefinitions (server streaming: two messages, the second naming the variant), Ingestion/Ingest
/// (client streaming: counts the batches it read, doubled under the treatment) and Ingestion/IngestStream (duplex: one
/// answer per batch, the same under both variants).
/// </summary>
internal sealed class StreamingBackend : IAsyncDisposable
{
    private readonly GrpcTestServer _server;

    private StreamingBackend(GrpcTestServer server, Seen seen)
    {
        _server = server;
        Calls = seen;
    }

    public string Address => _server.Address!;

    public Seen Calls { get; }

    public static async Task<StreamingBackend> StartAsync(string key)
    {
        var seen = new Seen(Encoding.UTF8.GetBytes(key));
        var server = await GrpcTestServer.StartAsync(
            services => services.AddSingleton(seen).AddSingleton<Watch>().AddSingleton<IngestService>(),
            app =>
            {
                app.MapGrpcService<Watch>();
                app.MapGrpcService<IngestService>();
            },
            loopback: true);
        return new StreamingBackend(server, seen);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    internal sealed class Seen(byte[] key)
    {
        /// <summary>Request messages read per method and variant.</summary>
        public ConcurrentDictionary<string, int> Messages { get; } = new(StringComparer.Ordinal);

        public string Variant(ServerCallContext context)
        {
            var header = context.RequestHeaders.GetValue(ReplayToken.VariantHeader) ?? "";
            return ReplayToken.Verify(key, header, context.RequestHeaders.GetValue(ReplayToken.TokenHeader), DateTimeOffset.UtcNow)
                && ReplayToken.ParseVariants(header) is { } forced && forced.TryGetValue(ReplayBackend.Flag, out var variant)
                ? variant : ReplayBackend.Control;
        }

        public void Count(string method, string variant, int messages) => Messages.AddOrUpdate(method + " " + variant, messages, (_, n) => n + messages);
    }

    private sealed class Watch(Seen seen) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            var variant = seen.Variant(context);
            seen.Count("WatchDefinitions", variant, 1);
            await responseStream.WriteAsync(new WatchDefinitionsResponse { Version = 1, Snapshot = new DefinitionSnapshot() });
            await responseStream.WriteAsync(new WatchDefinitionsResponse { Version = 2, Removal = new ExperimentRemoval { ExperimentId = variant } });
        }
    }

    private sealed class IngestService(Seen seen) : Ingestion.IngestionBase
    {
        public override async Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requestStream, ServerCallContext context)
        {
            var variant = seen.Variant(context);
            var batches = 0;
            await foreach (var _ in requestStream.ReadAllAsync(context.CancellationToken))
            {
                batches++;
            }
            seen.Count("Ingest", variant, batches);
            return new IngestResponse { AcceptedCount = variant == ReplayBackend.Treatment ? 2 * batches : batches };
        }

        public override async Task IngestStream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
        {
            var variant = seen.Variant(context);
            var batches = 0;
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                batches++;
                await responseStream.WriteAsync(new IngestResponse { BatchSequence = batch.Sequence, AcceptedCount = batch.Events.Count });
            }
            seen.Count("IngestStream", variant, batches);
        }
    }
}
