using System.Threading.Channels;
using Experiments.Contracts.V1;
using Experiments.Grpc;

namespace Experiments.Cli.Tests.Support;

/// <summary>
/// A test double of experiments.v1.Statistics: GetVerdict answers with <see cref="Current"/> (NOT_FOUND when null);
/// WatchVerdicts sends whatever the test writes to <see cref="Stream"/>.
/// </summary>
public sealed class FakeStatistics
{
    public Verdict? Current { get; set; }

    public Channel<Verdict> Stream { get; } = Channel.CreateUnbounded<Verdict>();

    public List<object> Requests { get; } = [];

    public RpcException? FailNext { get; set; }

    public Task<Verdict> GetVerdict(GetVerdictRequest request, ServerCallContext context)
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

    public async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
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

    public Task<GetVerdictHistoryResponse> GetVerdictHistory(GetVerdictHistoryRequest request, ServerCallContext context) =>
        Task.FromResult(new GetVerdictHistoryResponse());
}
