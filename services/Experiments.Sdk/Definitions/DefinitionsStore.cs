using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Microsoft.Extensions.Logging;

namespace Experiments.Sdk.Definitions;

/// <summary>
/// Holds the definitions received from WatchDefinitions and publishes them as <see cref="ServedDefinitions"/>,
/// which readers pick up with one volatile read. Applies a snapshot, upserts and removals in version order.
/// </summary>
internal sealed class DefinitionsStore(ILogger<DefinitionsStore> logger)
{
    private readonly Dictionary<string, ExperimentDefinition> _byId = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<TaskCompletionSource> _waiters = [];
    private volatile ServedDefinitions _current = ServedDefinitions.Empty;

    public ServedDefinitions Current => _current;

    /// <summary>The version of the last applied change; 0 before the first snapshot.</summary>
    public long Version => _current.Version;

    public bool HasSnapshot { get; private set; }

    public void ApplySnapshot(long version, IEnumerable<ExperimentDefinition> definitions)
    {
        lock (_gate)
        {
            _byId.Clear();
            foreach (var definition in definitions)
            {
                _byId[definition.Id] = definition;
            }
            HasSnapshot = true;
            Publish(version);
        }
    }

    public void ApplyUpsert(long version, ExperimentDefinition definition)
    {
        lock (_gate)
        {
            if (version <= _current.Version)
            {
                return;
            }
            _byId[definition.Id] = definition;
            Publish(version);
        }
    }

    public void ApplyRemoval(long version, string experimentId)
    {
        lock (_gate)
        {
            if (version <= _current.Version)
            {
                return;
            }
            _byId.Remove(experimentId);
            Publish(version);
        }
    }

    /// <summary>Completes once definitions of at least <paramref name="version"/> are served.</summary>
    public Task WaitForVersionAsync(long version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (HasSnapshot && _current.Version >= version)
            {
                return Task.CompletedTask;
            }
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(waiter);
            return WaitAsync(waiter, version, cancellationToken);
        }
    }

    private async Task WaitAsync(TaskCompletionSource waiter, long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_current.Version >= version)
                {
                    return;
                }
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(waiter);
            }
        }
    }

    private void Publish(long version)
    {
        // A definition the evaluator cannot compile (the service validates, so only a newer server could send
        // one) is left out rather than taking every other experiment down with it.
        var usable = new List<ExperimentDefinition>(_byId.Count);
        foreach (var definition in _byId.Values)
        {
            try
            {
                _ = new CompiledExperiment(definition);
                usable.Add(definition);
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
            {
                SdkLog.DefinitionSkipped(logger, definition.Id, definition.FlagKey, exception.Message);
            }
        }
        _current = new ServedDefinitions(new DefinitionSet(version, usable));
        foreach (var waiter in _waiters)
        {
            waiter.TrySetResult();
        }
        _waiters.Clear();
    }
}
