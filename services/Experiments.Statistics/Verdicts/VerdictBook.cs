using System.Threading.Channels;
using Experiments.Contracts.V1;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Intake;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// The current verdict of every experiment, computed in the background whenever its state moved (at most every
/// <see cref="StatisticsOptions.VerdictInterval"/>), so GetVerdict only reads a cached message; the history for
/// plots; and the subscribers of WatchVerdicts.
/// </summary>
internal sealed class VerdictBook(StatisticsShard shard, IOptions<StatisticsOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (Verdict Basic, Verdict Full, long Version)> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Verdict>> _history = new(StringComparer.Ordinal);
    private readonly List<Channel<Verdict>> _watchers = [];

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

    public ChannelReader<Verdict> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<Verdict>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _watchers.Add(channel);
        }
        unsubscribe = () =>
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        };
        return channel.Reader;
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
        var result = VerdictEngine.Evaluate(snapshot.Aggregate, time.GetUtcNow());
        var basic = VerdictMapping.ToProto(result, snapshot.Experiment, snapshot.Aggregate);
        var full = basic.Clone();
        VerdictMapping.AddHistograms(full, snapshot.Aggregate);
        Channel<Verdict>[] watchers;
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
        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(full);
        }
        if (Computed is { } handler)
        {
            await handler(basic, result);
        }
    }
}
