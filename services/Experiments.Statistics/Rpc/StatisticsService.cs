using System.Globalization;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Experiments.Statistics.Replay;
using Experiments.Statistics.Verdicts;

namespace Experiments.Statistics.Rpc;

/// <summary>Statistics: reads cached verdicts (never computed on the request path), and judges replays sent to it.</summary>
internal sealed class StatisticsService(VerdictBook verdicts, ReplayAnalyzer replays) : Contracts.V1.Statistics.StatisticsBase
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

    /// <summary>A replay's verdict, computed on the request from the observations it carries (bounded by Statistics:Replay:MaxObservations).</summary>
    public override Task<Verdict> AnalyzeReplay(AnalyzeReplayRequest request, ServerCallContext context) =>
        Task.FromResult(replays.Analyze(request));

    public override async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
    {
        var minInterval = MinInterval(request);
        var ids = request.ExperimentIds.ToHashSet(StringComparer.Ordinal);
        await foreach (var verdict in verdicts.WatchAsync(ids, request.View == VerdictView.Full, minInterval, context.CancellationToken))
        {
            await responseStream.WriteAsync(verdict);
        }
    }

    /// <summary>Longest min_interval accepted: a watcher wanting fewer updates can read GetVerdict instead.</summary>
    internal static readonly TimeSpan MaxMinInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// WatchVerdictsRequest.min_interval: unset means <see cref="DefaultMinInterval"/>; negative, not normalized (nanos
    /// of the other sign than seconds, or beyond ±999,999,999) or above <see cref="MaxMinInterval"/> is INVALID_ARGUMENT.
    /// </summary>
    internal static TimeSpan MinInterval(WatchVerdictsRequest request)
    {
        var interval = request.MinInterval;
        if (interval is null)
        {
            return DefaultMinInterval;
        }
        if (interval.Nanos is <= -Duration.NanosecondsPerSecond or >= Duration.NanosecondsPerSecond
            || (interval.Seconds > 0 && interval.Nanos < 0) || (interval.Seconds < 0 && interval.Nanos > 0))
        {
            throw InvalidArgument.For("min_interval", "is not a normalized Duration: nanos must lie in (-1e9, 1e9) with the sign of seconds");
        }
        if (interval.Seconds < 0 || interval.Nanos < 0)
        {
            throw InvalidArgument.For("min_interval", "must not be negative");
        }
        if (interval.Seconds > (long)MaxMinInterval.TotalSeconds || (interval.Seconds == (long)MaxMinInterval.TotalSeconds && interval.Nanos > 0))
        {
            throw InvalidArgument.For("min_interval", "must be at most 1 hour (3600s)");
        }
        return interval.ToTimeSpan();
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
