using System.Globalization;
using Experiments.Contracts.V1;
using Experiments.Grpc;
using Experiments.Statistics.Verdicts;

namespace Experiments.Statistics.Rpc;

/// <summary>Statistics: reads cached verdicts; never computes on the request path.</summary>
internal sealed class StatisticsService(VerdictBook verdicts)
{
    private const int DefaultPageSize = 500;
    private const int MaxPageSize = 10_000;

    public Task<Verdict> GetVerdict(GetVerdictRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ExperimentId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "experiment_id is required"));
        }
        var full = request.View == VerdictView.Full;
        Verdict? verdict;
        if (request.AsOfTime is { } asOf)
        {
            verdict = verdicts.History(request.ExperimentId).LastOrDefault(v => v.ComputeTime <= asOf);
        }
        else
        {
            verdict = verdicts.Current(request.ExperimentId, full);
        }
        return verdict is null
            ? throw new RpcException(new Status(StatusCode.NotFound, $"no verdict for experiment '{request.ExperimentId}'"))
            : Task.FromResult(verdict);
    }

    public async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
    {
        var ids = request.ExperimentIds.ToHashSet(StringComparer.Ordinal);
        var full = request.View == VerdictView.Full;
        var minInterval = request.MinInterval?.ToTimeSpan() ?? TimeSpan.FromMilliseconds(250);
        var reader = verdicts.Subscribe(out var unsubscribe);
        try
        {
            var lastSent = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var verdict in verdicts.AllCurrent(full).Where(v => ids.Count == 0 || ids.Contains(v.ExperimentId)))
            {
                await responseStream.WriteAsync(verdict);
                lastSent[verdict.ExperimentId] = DateTimeOffset.UtcNow;
            }
            await foreach (var verdict in reader.ReadAllAsync(context.CancellationToken))
            {
                if (ids.Count > 0 && !ids.Contains(verdict.ExperimentId))
                {
                    continue;
                }
                var now = DateTimeOffset.UtcNow;
                if (lastSent.TryGetValue(verdict.ExperimentId, out var last) && now - last < minInterval)
                {
                    continue;
                }
                lastSent[verdict.ExperimentId] = now;
                var message = full ? verdict : Basic(verdict);
                await responseStream.WriteAsync(message);
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    public Task<GetVerdictHistoryResponse> GetVerdictHistory(GetVerdictHistoryRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ExperimentId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "experiment_id is required"));
        }
        var pageSize = request.PageSize <= 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var offset = 0;
        if (request.PageToken.Length > 0 && !int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not a token this server issued"));
        }
        var points = verdicts.History(request.ExperimentId)
            .Where(v => (request.StartTime is null || v.ComputeTime >= request.StartTime) && (request.EndTime is null || v.ComputeTime < request.EndTime))
            .SelectMany(v => v.KpiResults.Where(k => request.KpiKey.Length == 0 || k.KpiKey == request.KpiKey).Select(k => Point(v, k)))
            .ToList();
        var response = new GetVerdictHistoryResponse();
        response.Points.AddRange(points.Skip(offset).Take(pageSize));
        if (offset + pageSize < points.Count)
        {
            response.NextPageToken = (offset + pageSize).ToString(CultureInfo.InvariantCulture);
        }
        return Task.FromResult(response);
    }

    private static VerdictHistoryPoint Point(Verdict verdict, KpiResult kpi)
    {
        var point = new VerdictHistoryPoint { ComputeTime = verdict.ComputeTime, KpiKey = kpi.KpiKey, Decision = verdict.Decision, KpiDecision = kpi.Decision };
        point.Arms.AddRange(kpi.Arms);
        point.Comparisons.AddRange(kpi.Comparisons);
        return point;
    }

    private static Verdict Basic(Verdict full)
    {
        if (full.LatencyHistograms.Count == 0)
        {
            return full;
        }
        var basic = full.Clone();
        basic.LatencyHistograms.Clear();
        return basic;
    }
}
