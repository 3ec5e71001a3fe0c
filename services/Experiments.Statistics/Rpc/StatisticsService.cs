using System.Globalization;
using Experiments.Contracts.V1;
using Grpc.Core;
using Experiments.Statistics.Verdicts;

namespace Experiments.Statistics.Rpc;

/// <summary>Statistics: reads cached verdicts; never computes on the request path.</summary>
internal sealed class StatisticsService(VerdictBook verdicts) : Contracts.V1.Statistics.StatisticsBase
{
    private const int DefaultPageSize = 500;
    private const int MaxPageSize = 10_000;
    private static readonly TimeSpan DefaultMinInterval = TimeSpan.FromMilliseconds(250);

    public override Task<Verdict> GetVerdict(GetVerdictRequest request, ServerCallContext context)
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

    public override async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
    {
        var minInterval = MinInterval(request);
        var ids = request.ExperimentIds.ToHashSet(StringComparer.Ordinal);
        await foreach (var verdict in verdicts.WatchAsync(ids, request.View == VerdictView.Full, minInterval, context.CancellationToken))
        {
            await responseStream.WriteAsync(verdict);
        }
    }

    /// <summary>WatchVerdictsRequest.min_interval: unset means <see cref="DefaultMinInterval"/>; negative is INVALID_ARGUMENT.</summary>
    internal static TimeSpan MinInterval(WatchVerdictsRequest request)
    {
        if (request.MinInterval is null)
        {
            return DefaultMinInterval;
        }
        if (request.MinInterval.Seconds < 0 || request.MinInterval.Nanos < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "min_interval must not be negative"));
        }
        return request.MinInterval.ToTimeSpan();
    }

    public override Task<GetVerdictHistoryResponse> GetVerdictHistory(GetVerdictHistoryRequest request, ServerCallContext context)
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
}
