using System.Globalization;

namespace Experiments.Ingestion.Traffic;

/// <summary>
/// How each client uses the API, over a sequence of calls ordered by start time. Definitions:
/// <list type="bullet">
/// <item>Percentiles are nearest-rank (<see cref="NearestRank"/>). A call is one of the slowest when its duration is at or
/// above its API's 99th percentile over all calls given; a client's slowest share is its part of those calls.</item>
/// <item>Rate buckets are aligned to multiples of the width since the Unix epoch; the width is the first of 1 min, 5 min,
/// 15 min, 1 h, 6 h that spans the calls in at most 60 buckets, else 1 day.</item>
/// <item>A unit's sequence is the calls of one client with one unit id, in start order; calls without a unit id are in no
/// sequence (no transitions, not judged for order). After each API, the most common next call is given (ties: the
/// name first in ordinal order; an empty name: the sequence ended).</item>
/// <item>Departures, when a policy is given: RATE_EXCEEDED counts the calls that were over the endpoint's limit within the
/// minute before them, window (t − 60 s, t], per client; OUT_OF_ORDER counts calls with none of their must_follow APIs
/// earlier in their unit's sequence; DEPRECATED and UNDECLARED count every call of the endpoint.</item>
/// <item>Clients come sorted by slowest share over call share, descending (ties: slowest share, then calls, then id).</item>
/// </list>
/// </summary>
internal static class TrafficAnalyzer
{
    private const int SlowPercentile = 99;
    private const int MaxBuckets = 60;
    private static readonly TimeSpan[] BucketWidths =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(6)];
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    public static TrafficAnalysis Analyze(IReadOnlyList<TrafficCall> calls, UsagePolicy policy)
    {
        if (calls.Count == 0)
        {
            return new TrafficAnalysis(null, null, 0, BucketWidths[0], [], []);
        }
        var first = calls.Min(c => c.Start);
        var last = calls.Max(c => c.Start);
        var end = calls.Max(c => c.Start.AddMilliseconds(c.DurationMs));
        var width = BucketWidthFor(last - first);
        var origin = new DateTimeOffset(first.UtcTicks - first.UtcTicks % width.Ticks, TimeSpan.Zero);
        var bucketCount = (int)((last.UtcTicks - origin.UtcTicks) / width.Ticks) + 1;

        var thresholds = calls.GroupBy(c => c.ApiName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => NearestRank.Of(Sorted(g.Select(c => c.DurationMs)), SlowPercentile), StringComparer.Ordinal);
        bool IsSlow(TrafficCall call) => call.DurationMs >= thresholds[call.ApiName];
        var slowTotal = calls.Count(IsSlow);

        var endpoints = EndpointsOf(calls, thresholds, IsSlow, withThreshold: true);
        var rules = policy.Endpoints.ToDictionary(r => r.ApiName, StringComparer.Ordinal);
        var clients = calls.GroupBy(c => c.ClientId, StringComparer.Ordinal)
            .Select(g =>
            {
                var own = g.ToList();
                var slow = own.Count(IsSlow);
                return new ClientTraffic(
                    g.Key,
                    own.Count,
                    own.Where(c => c.UnitId.Length > 0).Select(c => c.UnitId).Distinct(StringComparer.Ordinal).LongCount(),
                    (double)own.Count / calls.Count,
                    (double)own.Count(c => c.Failed) / own.Count,
                    slowTotal == 0 ? 0 : (double)slow / slowTotal,
                    EndpointsOf(own, thresholds, IsSlow, withThreshold: false),
                    RateOf(own, origin, width, bucketCount),
                    TransitionsOf(own),
                    ShapesOf(own),
                    policy.Endpoints.Count == 0 ? [] : DeparturesOf(own, rules));
            })
            .OrderByDescending(c => c.SlowestShare / c.CallShare)
            .ThenByDescending(c => c.SlowestShare)
            .ThenByDescending(c => c.CallCount)
            .ThenBy(c => c.ClientId, StringComparer.Ordinal)
            .ToList();
        return new TrafficAnalysis(first, end, calls.Count, width, endpoints, clients);
    }

    private static TimeSpan BucketWidthFor(TimeSpan span) =>
        BucketWidths.FirstOrDefault(w => span <= w * MaxBuckets, TimeSpan.FromDays(1));

    private static List<EndpointStats> EndpointsOf(
        IReadOnlyList<TrafficCall> calls, Dictionary<string, double> thresholds, Func<TrafficCall, bool> isSlow, bool withThreshold) =>
        calls.GroupBy(c => c.ApiName, StringComparer.Ordinal)
            .Select(g =>
            {
                var durations = Sorted(g.Select(c => c.DurationMs));
                return new EndpointStats(
                    g.Key,
                    durations.Count,
                    (double)durations.Count / calls.Count,
                    g.LongCount(c => c.Failed),
                    NearestRank.Of(durations, 50),
                    NearestRank.Of(durations, 99),
                    withThreshold ? thresholds[g.Key] : 0,
                    g.LongCount(isSlow));
            })
            .OrderByDescending(e => e.CallCount)
            .ThenBy(e => e.ApiName, StringComparer.Ordinal)
            .ToList();

    private static List<RateBucket> RateOf(IReadOnlyList<TrafficCall> calls, DateTimeOffset origin, TimeSpan width, int bucketCount)
    {
        var counts = new long[bucketCount];
        foreach (var call in calls)
        {
            counts[(call.Start.UtcTicks - origin.UtcTicks) / width.Ticks]++;
        }
        return counts.Select((count, i) => new RateBucket(origin + width * i, count)).ToList();
    }

    /// <summary>The client's calls grouped into unit sequences (start order kept); calls without a unit are left out.</summary>
    private static IEnumerable<List<TrafficCall>> SequencesOf(IReadOnlyList<TrafficCall> calls) =>
        calls.Where(c => c.UnitId.Length > 0).GroupBy(c => c.UnitId, StringComparer.Ordinal).Select(g => g.ToList());

    private static List<CallTransitionStats> TransitionsOf(IReadOnlyList<TrafficCall> calls)
    {
        var next = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var sequence in SequencesOf(calls))
        {
            for (var i = 0; i < sequence.Count; i++)
            {
                var to = i + 1 < sequence.Count ? sequence[i + 1].ApiName : "";
                var counts = next.TryGetValue(sequence[i].ApiName, out var found) ? found : next[sequence[i].ApiName] = new(StringComparer.Ordinal);
                counts[to] = counts.GetValueOrDefault(to) + 1;
            }
        }
        return next
            .Select(pair =>
            {
                var top = pair.Value.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First();
                return new CallTransitionStats(pair.Key, top.Key, top.Value, (double)top.Value / pair.Value.Values.Sum());
            })
            .OrderBy(t => t.From, StringComparer.Ordinal)
            .ToList();
    }

    private static List<RequestShape> ShapesOf(IReadOnlyList<TrafficCall> calls) =>
        calls.GroupBy(c => c.ApiName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var own = g.ToList();
                var requestBytes = Sorted(own.Select(c => (double)c.RequestBytes));
                var responseBytes = Sorted(own.Select(c => (double)c.ResponseBytes));
                return new RequestShape(
                    g.Key,
                    PresenceOf(own, c => c.RequestFields),
                    PresenceOf(own, c => c.HeaderNames),
                    NearestRank.Of(requestBytes, 50),
                    requestBytes[^1],
                    NearestRank.Of(responseBytes, 50),
                    responseBytes[^1]);
            })
            .ToList();

    private static List<Presence> PresenceOf(List<TrafficCall> calls, Func<TrafficCall, IReadOnlyCollection<string>> names) =>
        calls.SelectMany(c => names(c).Distinct(StringComparer.Ordinal))
            .GroupBy(name => name, StringComparer.Ordinal)
            .Select(g => new Presence(g.Key, (double)g.Count() / calls.Count))
            .OrderByDescending(p => p.Share)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

    private static List<Departure> DeparturesOf(IReadOnlyList<TrafficCall> calls, Dictionary<string, EndpointRule> rules)
    {
        var departures = new List<Departure>();
        var byApi = calls.GroupBy(c => c.ApiName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        foreach (var api in byApi)
        {
            if (rules.TryGetValue(api.Key, out var rule) && rule.MaxCallsPerMinute > 0 && RateExcess(api.ToList(), rule.MaxCallsPerMinute) is { } excess)
            {
                departures.Add(excess);
            }
        }
        departures.AddRange(OutOfOrder(calls, rules));
        foreach (var api in byApi)
        {
            var count = api.LongCount();
            if (!rules.TryGetValue(api.Key, out var rule))
            {
                departures.Add(new Departure(DepartureKind.Undeclared, api.Key, count,
                    Invariant($"{count} call(s) to an endpoint the declaration does not list")));
            }
            else if (rule.Deprecated)
            {
                departures.Add(new Departure(DepartureKind.Deprecated, api.Key, count, Invariant($"{count} call(s) to a deprecated endpoint")
                    + (rule.ReplacedBy.Length > 0 ? "; move to " + rule.ReplacedBy : "")));
            }
        }
        return departures.OrderBy(d => d.Kind).ThenBy(d => d.ApiName, StringComparer.Ordinal).ToList();
    }

    /// <summary>The calls that were over the limit counting the minute before them, and the peak, or null when none was.</summary>
    private static Departure? RateExcess(List<TrafficCall> calls, double limit)
    {
        var starts = calls.Select(c => c.Start).Order().ToList();
        long over = 0, peak = 0;
        var from = 0;
        for (var i = 0; i < starts.Count; i++)
        {
            while (starts[from] <= starts[i] - RateWindow)
            {
                from++;
            }
            var inWindow = i - from + 1;
            peak = Math.Max(peak, inWindow);
            if (inWindow > limit)
            {
                over++;
            }
        }
        return over == 0 ? null : new Departure(DepartureKind.RateExceeded, calls[0].ApiName, over,
            Invariant($"peaked at {peak} calls/min against a limit of {limit}"));
    }

    private static IEnumerable<Departure> OutOfOrder(IReadOnlyList<TrafficCall> calls, Dictionary<string, EndpointRule> rules)
    {
        var departed = new Dictionary<string, long>(StringComparer.Ordinal);
        var judged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sequence in SequencesOf(calls))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var call in sequence)
            {
                if (rules.TryGetValue(call.ApiName, out var rule) && rule.MustFollow.Count > 0)
                {
                    judged[call.ApiName] = judged.GetValueOrDefault(call.ApiName) + 1;
                    if (!rule.MustFollow.Any(seen.Contains))
                    {
                        departed[call.ApiName] = departed.GetValueOrDefault(call.ApiName) + 1;
                    }
                }
                seen.Add(call.ApiName);
            }
        }
        return departed.Select(pair => new Departure(DepartureKind.OutOfOrder, pair.Key, pair.Value,
            Invariant($"{pair.Value} of {judged[pair.Key]} call(s) had no earlier {string.Join(" or ", rules[pair.Key].MustFollow)} in their unit")));
    }

    private static List<double> Sorted(IEnumerable<double> values)
    {
        var list = values.ToList();
        list.Sort();
        return list;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
