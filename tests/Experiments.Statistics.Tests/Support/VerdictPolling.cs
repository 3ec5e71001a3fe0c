using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Support;

internal static class VerdictPolling
{
    /// <summary>Polls GetVerdict until <paramref name="done"/> holds (verdicts are recomputed in the background).</summary>
    public static async Task<Verdict> WaitForVerdictAsync(this StatisticsClient client, string experimentId, Func<Verdict, bool> done, TimeSpan? timeout = null, VerdictView view = VerdictView.Basic)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        Verdict? last = null;
        while (true)
        {
            try
            {
                last = await client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experimentId, View = view }, cancellationToken: cts.Token);
                if (done(last))
                {
                    return last;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && !cts.IsCancellationRequested)
            {
            }
            catch (Exception e) when (cts.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
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
}
