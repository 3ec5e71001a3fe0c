using System.Threading.Channels;
using Experiments.Contracts.V1;
using Grpc.Core;
using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Intake;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Rpc;

/// <summary>
/// experiments.v1.Ingestion: maps batches to the intake pipeline and outcomes back to responses. Streaming
/// calls keep a few batches committing at once and acknowledge them in the order they were sent.
/// </summary>
public sealed class IngestionService(IngestionPipeline pipeline, IntakeGate gate, IOptionsMonitor<IntakeOptions> options) : Contracts.V1.Ingestion.IngestionBase
{
    /// <summary>One batch; its <see cref="IntakeGate"/> slot was taken before its message was read (<see cref="IntakeGateMiddleware"/>).</summary>
    public override async Task<IngestResponse> IngestBatch(EventBatch request, ServerCallContext context)
    {
        var client = await ClientOf(context).ConfigureAwait(false);
        var outcome = await pipeline.IngestAsync(request, client).ConfigureAwait(false);
        return IngestResponses.For(outcome, options.CurrentValue.MaxRejectionsPerResponse);
    }

    public override async Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requestStream, ServerCallContext context)
    {
        var client = await ClientOf(context).ConfigureAwait(false);
        var limits = options.CurrentValue;
        var summary = new IngestResponse();
        var inFlight = new Queue<Task<BatchOutcome>>();
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var batch = requestStream.Current;
            summary.BatchSequence = batch.Sequence;
            await gate.EnterAsync(context.CancellationToken).ConfigureAwait(false);
            inFlight.Enqueue(IngestHoldingSlotAsync(batch, client));
            while (inFlight.Count >= limits.MaxBatchesInFlightPerCall)
            {
                IngestResponses.Add(summary, await inFlight.Dequeue().ConfigureAwait(false), limits.MaxRejectionsPerResponse);
            }
        }
        while (inFlight.Count > 0)
        {
            IngestResponses.Add(summary, await inFlight.Dequeue().ConfigureAwait(false), limits.MaxRejectionsPerResponse);
        }
        return summary;
    }

    public override async Task IngestStream(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
    {
        var client = await ClientOf(context).ConfigureAwait(false);
        var limits = options.CurrentValue;
        var acks = Channel.CreateBounded<Task<BatchOutcome>>(new BoundedChannelOptions(limits.MaxBatchesInFlightPerCall)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var writer = AcknowledgeInOrderAsync(acks.Reader, responseStream, limits.MaxRejectionsPerResponse, stop);
        try
        {
            while (await requestStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                // A refused batch ends the call after the batches before it are acknowledged.
                await gate.EnterAsync(stop.Token).ConfigureAwait(false);
                var outcome = IngestHoldingSlotAsync(requestStream.Current, client);
                await acks.Writer.WriteAsync(outcome, stop.Token).ConfigureAwait(false);
                if (outcome.IsFaulted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The acknowledging side failed; its exception is the call's outcome.
        }
        finally
        {
            acks.Writer.TryComplete();
        }
        await writer.ConfigureAwait(false);
    }

    private async Task<BatchOutcome> IngestHoldingSlotAsync(EventBatch batch, string client)
    {
        try
        {
            return await pipeline.IngestAsync(batch, client).ConfigureAwait(false);
        }
        finally
        {
            gate.Exit();
        }
    }

    private static async Task AcknowledgeInOrderAsync(
        ChannelReader<Task<BatchOutcome>> acks, IServerStreamWriter<IngestResponse> responses, int maxRejections, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var pending in acks.ReadAllAsync().ConfigureAwait(false))
            {
                var outcome = await pending.ConfigureAwait(false);
                await responses.WriteAsync(IngestResponses.For(outcome, maxRejections)).ConfigureAwait(false);
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The API key's name, which rate limits are kept by; "anonymous" when authentication is off.</summary>
    private static async Task<string> ClientOf(ServerCallContext context)
    {
        var result = await context.GetHttpContext().AuthenticateAsync().ConfigureAwait(false);
        return result.Succeeded ? result.Principal.Identity?.Name ?? "api-key" : "anonymous";
    }
}
