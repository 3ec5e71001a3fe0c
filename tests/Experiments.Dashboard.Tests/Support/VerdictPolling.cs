using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Dashboard.Tests.Support;

internal static class VerdictPolling
{
    /// <summary>Polls GetVerdict (full view) until <paramref name="done"/> holds; verdicts are computed in the background.</summary>
    public static async Task<Verdict> WaitForVerdictAsync(this StatisticsClient client, string experimentId, Func<Verdict, bool> done, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        Verdict? last = null;
        while (true)
        {
            try
            {
                last = await client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = experimentId, View = VerdictView.Full }, cancellationToken: cts.Token);
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
}
