using Experiments.Assignment.Evaluation;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// The served definitions and their recent changes. Evaluation reads <see cref="Current"/> (one volatile read);
/// WatchDefinitions replays <see cref="ChangesAfter"/> and waits with <see cref="WaitForChangeAsync"/>. Only the
/// catalog publishes, in commit order.
/// </summary>
public sealed class DefinitionFeed(IOptions<AssignmentOptions> options)
{
    private readonly object _gate = new();
    private readonly LinkedList<DefinitionChange> _recent = new();
    private readonly int _replayCapacity = Math.Max(0, options.Value.WatchReplayCapacity);
    private volatile DefinitionSet _current = DefinitionSet.Empty;
    private TaskCompletionSource _changed = NewSignal();
    private Dictionary<string, ExperimentDefinition> _served = new(StringComparer.Ordinal);

    public DefinitionSet Current => _current;

    /// <summary>Replaces everything (start-up, or a reload after another writer changed the store).</summary>
    public void Reset(long version, IEnumerable<ExperimentDefinition> experiments)
    {
        lock (_gate)
        {
            _served = experiments.Where(e => e.State != ExperimentState.Archived).ToDictionary(e => e.Id, StringComparer.Ordinal);
            _recent.Clear();
            _current = new DefinitionSet(version, _served.Values);
            Signal();
        }
    }

    public void Publish(long version, ExperimentDefinition definition)
    {
        lock (_gate)
        {
            if (version <= _current.Version)
            {
                return;
            }
            if (definition.State == ExperimentState.Archived)
            {
                _served.Remove(definition.Id);
            }
            else
            {
                _served[definition.Id] = definition;
            }
            _recent.AddLast(new DefinitionChange(version, definition));
            while (_recent.Count > _replayCapacity)
            {
                _recent.RemoveFirst();
            }
            _current = new DefinitionSet(version, _served.Values);
            Signal();
        }
    }

    /// <summary>The changes after <paramref name="version"/>, or null when they are no longer all held (a snapshot is needed).</summary>
    public IReadOnlyList<DefinitionChange>? ChangesAfter(long version)
    {
        lock (_gate)
        {
            if (version > _current.Version)
            {
                return null;
            }
            if (version == _current.Version)
            {
                return [];
            }
            if (_recent.First is null || _recent.First.Value.Version > version + 1)
            {
                return null;
            }
            return _recent.Where(c => c.Version > version).ToArray();
        }
    }

    /// <summary>Completes when the version moves past <paramref name="version"/> (or at once if it already has).</summary>
    public Task WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_current.Version != version)
            {
                return Task.CompletedTask;
            }
            signal = _changed.Task;
        }
        return signal.WaitAsync(cancellationToken);
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
