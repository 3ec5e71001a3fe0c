using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Statistics.Tests.Support;

/// <summary>Typed client of experiments.v1.Statistics and StatisticsIntake over the project's own gRPC client.</summary>
internal sealed class StatisticsClient(CallInvoker invoker, string? apiKey) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Service = StatisticsServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Intake = StatisticsIntakeReflection.Descriptor.Services[0];
    private static readonly Method<GetVerdictRequest, Verdict> GetVerdictMethod = Method<GetVerdictRequest, Verdict>.FromDescriptor(Service.FindMethodByName("GetVerdict"));
    private static readonly Method<WatchVerdictsRequest, Verdict> WatchVerdictsMethod = Method<WatchVerdictsRequest, Verdict>.FromDescriptor(Service.FindMethodByName("WatchVerdicts"));
    private static readonly Method<GetVerdictHistoryRequest, GetVerdictHistoryResponse> HistoryMethod =
        Method<GetVerdictHistoryRequest, GetVerdictHistoryResponse>.FromDescriptor(Service.FindMethodByName("GetVerdictHistory"));
    private static readonly Method<ForwardRequest, ForwardResponse> ForwardMethod = Method<ForwardRequest, ForwardResponse>.FromDescriptor(Intake.FindMethodByName("Forward"));

    public StatisticsClient(GrpcChannel channel, string? apiKey)
        : this(channel.CreateCallInvoker(), apiKey)
    {
    }

    public AsyncUnaryCall<Verdict> GetVerdictAsync(GetVerdictRequest request, CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncUnaryCall(GetVerdictMethod, Options(cancellationToken), request);

    public AsyncServerStreamingCall<Verdict> WatchVerdicts(WatchVerdictsRequest request, CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchVerdictsMethod, Options(cancellationToken), request);

    public AsyncUnaryCall<GetVerdictHistoryResponse> GetVerdictHistoryAsync(GetVerdictHistoryRequest request, CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncUnaryCall(HistoryMethod, Options(cancellationToken), request);

    public AsyncDuplexStreamingCall<ForwardRequest, ForwardResponse> Forward(CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncDuplexStreamingCall(ForwardMethod, Options(cancellationToken));

    /// <summary>Polls GetVerdict until <paramref name="done"/> holds (verdicts are recomputed in the background).</summary>
    public async Task<Verdict> WaitForVerdictAsync(string experimentId, Func<Verdict, bool> done, TimeSpan? timeout = null, VerdictView view = VerdictView.Basic)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        Verdict? last = null;
        while (true)
        {
            try
            {
                last = await GetVerdictAsync(new GetVerdictRequest { ExperimentId = experimentId, View = view }, cts.Token);
                if (done(last))
                {
                    return last;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && !cts.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException("No verdict satisfied the condition in time; last: " + last);
            }
            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No verdict satisfied the condition in time; last: " + last);
            }
        }
    }

    private CallOptions Options(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (apiKey is not null)
        {
            headers.Add("authorization", "Bearer " + apiKey);
        }
        return new CallOptions(headers, cancellationToken: cancellationToken);
    }
}
