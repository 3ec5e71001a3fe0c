using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>Typed client of experiments.v1.Statistics (GetVerdict) and StatisticsIntake (Forward) over our gRPC client.</summary>
internal sealed class StatisticsClient(CallInvoker invoker, string apiKey) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Service = StatisticsServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Intake = StatisticsIntakeReflection.Descriptor.Services[0];
    private static readonly Method<GetVerdictRequest, Verdict> GetVerdictMethod = Method<GetVerdictRequest, Verdict>.FromDescriptor(Service.FindMethodByName("GetVerdict"));
    private static readonly Method<ForwardRequest, ForwardResponse> ForwardMethod = Method<ForwardRequest, ForwardResponse>.FromDescriptor(Intake.FindMethodByName("Forward"));

    public async Task<Verdict> GetVerdictAsync(string experimentId, VerdictView view = VerdictView.Full, CancellationToken cancellationToken = default)
    {
        using var call = CallInvoker.AsyncUnaryCall(GetVerdictMethod, Options(cancellationToken), new GetVerdictRequest { ExperimentId = experimentId, View = view });
        return await call.ResponseAsync;
    }

    /// <summary>Polls GetVerdict until <paramref name="done"/> holds; verdicts are computed in the background.</summary>
    public async Task<Verdict> WaitForVerdictAsync(string experimentId, Func<Verdict, bool> done, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        Verdict? last = null;
        while (true)
        {
            try
            {
                last = await GetVerdictAsync(experimentId, cancellationToken: cts.Token);
                if (done(last))
                {
                    return last;
                }
                await Task.Delay(50, cts.Token);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && !cts.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"No verdict of {experimentId} satisfied the condition; last: {last}");
            }
            catch (RpcException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"No verdict of {experimentId} satisfied the condition; last: {last}");
            }
        }
    }

    /// <summary>Sends the events as one ingestion log on one Forward stream and waits until the service confirms them durable.</summary>
    public async Task ForwardAsync(string logId, IReadOnlyList<Event> events, CancellationToken cancellationToken = default)
    {
        using var call = CallInvoker.AsyncDuplexStreamingCall(ForwardMethod, Options(cancellationToken));
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
            }
        }, cancellationToken);
        var position = 0L;
        foreach (var chunk in events.Chunk(500))
        {
            var request = new ForwardRequest { LogId = logId, Partition = 0, PartitionCount = 1 };
            request.Events.AddRange(chunk.Select(e => new LoggedEvent { Position = ++position, Event = e, IngestTime = e.EventTime }));
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        await call.RequestStream.CompleteAsync();
        await reading;
    }

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(new Metadata { { "authorization", "Bearer " + apiKey } }, cancellationToken: cancellationToken);
}
