using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Experiments.Contracts.V1;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Intake;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// The current verdict of every experiment, computed in the background whenever its state moved (at most every
/// <see cref="StatisticsOptions.VerdictInterval"/>), so GetVerdict only reads a cached message; the history for
/// plots; and the subscribers of WatchVerdicts.
/// </summary>
internal sealed class VerdictBook(StatisticsShard shard, IOptions<StatisticsOptions> options, TimeProvider time, ICheckpointStore store, ILogger<VerdictBook> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (Verdict Basic, Verdict Full, long Version)> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Verdict>> _history = new(StringComparer.Ordinal);
    private readonly List<(Channel<Verdict> Channel, Func<Verdict, bool>? Filter)> _watchers = [];
    private readonly DecisionMemory _decisions = new(store, "decisions", logger);

    /// <summary>
    /// Raised for every new verdict before it is stored or streamed, so that what a handler records on it (the
    /// automatic rollback it triggered) reaches GetVerdict and WatchVerdicts alike.
    /// </summary>
    public event Func<Verdict, VerdictResult, Task>? Computed;

    public Verdict? Current(string experimentId, bool full)
    {
        lock (_lock)
        {
            return _current.TryGetValue(experimentId, out var entry) ? full ? entry.Full : entry.Basic : null;
        }
    }

    public IReadOnlyList<Verdict> History(string experimentId)
    {
        lock (_lock)
        {
            return _history.TryGetValue(experimentId, out var list) ? [.. list] : [];
        }
    }

    public IReadOnlyList<Verdict> AllCurrent(bool full)
    {
        lock (_lock)
        {
            return [.. _current.Values.Select(e => full ? e.Full : e.Basic)];
        }
    }

    /// <summary>Every new verdict (FULL view), or those <paramref name="filter"/> accepts, until <paramref name="unsubscribe"/> is called.</summary>
    public ChannelReader<Verdict> Subscribe(out Action unsubscribe, Func<Verdict, bool>? filter = null)
    {
        var channel = Channel.CreateBounded<Verdict>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        var watcher = (channel, filter);
        lock (_lock)
        {
            _watchers.Add(watcher);
        }
        unsubscribe = () =>
        {
            lock (_lock)
            {
                _watchers.Remove(watcher);
            }
        };
        return channel.Reader;
    }

    /// <summary>
    /// WatchVerdicts: the current verdict of each watched experiment (all when <paramref name="experimentIds"/> is
    /// empty), then every new one, at most one per experiment per <paramref name="minInterval"/> and never dropping
    /// the latest (<see cref="Pacer{T}"/>).
    /// </summary>
    public async IAsyncEnumerable<Verdict> WatchAsync(IReadOnlySet<string> experimentIds, bool full, TimeSpan minInterval,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool Watched(Verdict verdict) => experimentIds.Count == 0 || experimentIds.Contains(verdict.ExperimentId);
        // Subscribed before the current verdicts are read, so that none computed in between is missed.
        var reader = Subscribe(out var unsubscribe, Watched);
        try
        {
            var pacer = new Pacer<Verdict>(minInterval, v => v.ExperimentId);
            var sent = new Dictionary<string, Timestamp>(StringComparer.Ordinal);
            foreach (var verdict in AllCurrent(full).Where(Watched))
            {
                pacer.Offer(verdict, time.GetUtcNow());
                sent[verdict.ExperimentId] = verdict.ComputeTime;
                yield return verdict;
            }
            await foreach (var verdict in pacer.ReadAsync(reader, time, cancellationToken).ConfigureAwait(false))
            {
                if (sent.TryGetValue(verdict.ExperimentId, out var last) && verdict.ComputeTime <= last)
                {
                    continue; // already sent with the current verdicts
                }
                sent[verdict.ExperimentId] = verdict.ComputeTime;
                yield return full ? verdict : Basic(verdict);
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    /// <summary>Recomputes every experiment whose state moved since its last verdict.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var experiment in shard.Experiments())
        {
            cancellationToken.ThrowIfCancellationRequested();
            long known;
            lock (_lock)
            {
                known = _current.TryGetValue(experiment.Id, out var entry) ? entry.Version : -1;
            }
            if (shard.Version(experiment.Id) == known)
            {
                continue;
            }
            await ComputeAsync(experiment.Id);
        }
    }

    public async Task ComputeAsync(string experimentId)
    {
        if (shard.Snapshot(experimentId) is not { } snapshot)
        {
            return;
        }
        var earlier = await _decisions.OfAsync(experimentId, CancellationToken.None);
        var result = VerdictEngine.Evaluate(snapshot.Aggregate, time.GetUtcNow(), earlier.Breach, earlier.Ship);
        await _decisions.RememberAsync(experimentId, result.Breach, result.Ship, CancellationToken.None);
        var basic = VerdictMapping.ToProto(result, snapshot.Experiment, snapshot.Aggregate);
        foreach (var handler in Computed?.GetInvocationList() ?? [])
        {
            await ((Func<Verdict, VerdictResult, Task>)handler)(basic, result);
        }
        var full = basic.Clone();
        VerdictMapping.AddHistograms(full, snapshot.Aggregate);
        (Channel<Verdict> Channel, Func<Verdict, bool>? Filter)[] watchers;
        lock (_lock)
        {
            _current[experimentId] = (basic, full, snapshot.Version);
            if (!_history.TryGetValue(experimentId, out var list))
            {
                _history[experimentId] = list = [];
            }
            list.Add(basic);
            if (list.Count > options.Value.HistoryLimit)
            {
                list.RemoveAt(0);
            }
            watchers = [.. _watchers];
        }
        foreach (var (channel, filter) in watchers)
        {
            if (filter?.Invoke(full) ?? true)
            {
                channel.Writer.TryWrite(full);
            }
        }
    }

    /// <summary>The BASIC view of a verdict: everything but the latency histograms.</summary>
    internal static Verdict Basic(Verdict full)
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
