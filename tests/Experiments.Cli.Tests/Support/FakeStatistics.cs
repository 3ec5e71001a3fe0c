using System.Threading.Channels;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Cli.Tests.Support;

/// <summary>
/// A test double of experiments.v1.Statistics: GetVerdict answers with <see cref="Current"/> (NOT_FOUND when null);
/// WatchVerdicts sends whatever the test writes to <see cref="Stream"/>.
/// </summary>
public sealed class FakeStatistics : Contracts.V1.Statistics.StatisticsBase
{
    public Verdict? Current { get; set; }

    public Channel<Verdict> Stream { get; } = Channel.CreateUnbounded<Verdict>();

    public List<object> Requests { get; } = [];

    public RpcException? FailNext { get; set; }

    public override Task<Verdict> GetVerdict(GetVerdictRequest request, ServerCallContext context)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
        return Current is { } verdict && verdict.ExperimentId == request.ExperimentId
            ? Task.FromResult(verdict)
            : throw new RpcException(new Status(StatusCode.NotFound, $"no verdict for experiment '{request.ExperimentId}'"));
    }

    public override async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
        await foreach (var verdict in Stream.Reader.ReadAllAsync(context.CancellationToken))
        {
            if (request.ExperimentIds.Count == 0 || request.ExperimentIds.Contains(verdict.ExperimentId))
            {
                await responseStream.WriteAsync(verdict);
            }
        }
    }

    public override Task<GetVerdictHistoryResponse> GetVerdictHistory(GetVerdictHistoryRequest request, ServerCallContext context) =>
        Task.FromResult(new GetVerdictHistoryResponse());
}
