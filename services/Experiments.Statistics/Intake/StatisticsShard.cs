using Experiments.Contracts.V1;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Dapr;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Intake;

/// <summary>
/// This replica's aggregation state: the engine's shard, the definitions it was built for, and per (log,
/// partition) the highest applied position. Events at or below it are ignored (at-least-once delivery made
/// exactly-once); positions are confirmed only once a checkpoint holding them and the state together is durable.
/// </summary>
internal sealed class StatisticsShard(IOptions<StatisticsOptions> options, ICheckpointStore store)
{
    private const string ShardName = "statistics";
    private const int FormatVersion = 2;

    private readonly Lock _lock = new();
    private readonly StatisticsOptions _options = options.Value;
    private ShardAggregator _aggregator = new(options.Value.EventIdWindow) { EventIds = { TrackAdditions = true } };
    private readonly Dictionary<string, Experiment> _experiments = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Log, int Partition), long> _applied = [];
    private Dictionary<(string Log, int Partition), long> _confirmed = [];
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private long _changes;
    private bool _forceFull;
    private long _baseBytes;
    private long _deltaBytesSinceBase;
    private long _committedChanges;
    private TaskCompletionSource<bool> _durable = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _definitionsReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Experiments named by exposures before their definitions arrived: each is waited for once, up to
    // DefinitionWait, then given up (its exposures are applied unattributed, as for an experiment of no one's).
    private readonly Dictionary<string, TaskCompletionSource> _awaitedDefinitions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _givenUpDefinitions = new(StringComparer.Ordinal);

    /// <summary>
    /// Completes once the definitions are known (the first snapshot of the watch, or at once without one): exposures
    /// applied before it would be dropped for an experiment not known yet, and confirmed, hence lost.
    /// </summary>
    public Task DefinitionsReady => _definitionsReady.Task;

    public void MarkDefinitionsReady() => _definitionsReady.TrySetResult();

    /// <summary>Completes when the next checkpoint commits.</summary>
    public Task NextCommit => Volatile.Read(ref _committed).Task;

    /// <summary>Raised (outside the lock) when an experiment's state changed.</summary>
    public event Action<string>? Changed;

    public long Confirmed(string log, int partition)
    {
        lock (_lock)
        {
            return _confirmed.GetValueOrDefault((log, partition));
        }
    }

    /// <summary>Highest position applied (not necessarily durable yet) of a (log, partition).</summary>
    public long Applied(string log, int partition)
    {
        lock (_lock)
        {
            return _applied.GetValueOrDefault((log, partition));
        }
    }

    /// <summary>
    /// Applies a batch's events above the partition's applied position; returns how many were new. Throws
    /// <see cref="InvalidForwardedEventException"/>, having applied nothing, when any event breaks <see cref="ForwardedEventRules"/>.
    /// </summary>
    public int Apply(ForwardRequest request)
    {
        RefuseInvalid(request);
        var key = (request.LogId, request.Partition);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var fresh = 0;
        lock (_lock)
        {
            var applied = _applied.GetValueOrDefault(key);
            foreach (var logged in request.Events)
            {
                if (logged.Position <= applied)
                {
                    continue;
                }
                applied = logged.Position;
                fresh++;
                ApplyEvent(logged, touched);
            }
            if (fresh > 0)
            {
                _applied[key] = applied;
                _changes++;
            }
        }
        Notify(touched);
        return fresh;
    }

    private void RefuseInvalid(ForwardRequest request)
    {
        if (ForwardedEventRules.Check(request.Events, _options.MaxLatencyMs) is { } violation)
        {
            throw new InvalidForwardedEventException(violation);
        }
    }

    private void ApplyEvent(LoggedEvent logged, HashSet<string> touched)
    {
        if (logged.Event is { } e && EventMapping.ToTelemetry(e) is { } telemetry && _aggregator.Apply(telemetry))
        {
            Touch(telemetry, touched);
        }
    }

    private void Touch(in TelemetryEvent telemetry, HashSet<string> touched)
    {
        if (telemetry.Kind == TelemetryKind.Exposure)
        {
            touched.Add(telemetry.ExperimentId!);
        }
        else
        {
            foreach (var experiment in _aggregator.Experiments)
            {
                touched.Add(experiment.Definition.Id);
            }
        }
    }

    private void Notify(HashSet<string> touched)
    {
        foreach (var id in touched)
        {
            Changed?.Invoke(id);
        }
    }

    /// <summary>Adds or updates a definition (from the assignment service).</summary>
    public void Define(Experiment experiment)
    {
        lock (_lock)
        {
            _experiments[experiment.Id] = experiment.Clone();
            _aggregator.Define(DefinitionMapping.ToDefinition(experiment));
            _changes++;
            _givenUpDefinitions.Remove(experiment.Id);
            if (_awaitedDefinitions.Remove(experiment.Id, out var awaited))
            {
                awaited.TrySetResult();
            }
        }
        Changed?.Invoke(experiment.Id);
    }

    /// <summary>
    /// Completes once every experiment the exposures of <paramref name="events"/> name is defined here, or has been
    /// waited for <see cref="StatisticsOptions.DefinitionWait"/> in vain: an exposure applied before its experiment's
    /// definition would be dropped, and its unit's later events with it.
    /// </summary>
    public Task WhenExposedExperimentsDefinedAsync(IEnumerable<LoggedEvent> events)
    {
        List<Task>? waits = null;
        lock (_lock)
        {
            foreach (var awaited in AwaitedDefinitions(events))
            {
                (waits ??= []).Add(awaited);
            }
        }
        return waits is null ? Task.CompletedTask : Task.WhenAll(waits);
    }

    // Under _lock: the waits for the experiments named by these exposures that are not defined and not given up yet.
    private HashSet<Task> AwaitedDefinitions(IEnumerable<LoggedEvent> events)
    {
        var waits = new HashSet<Task>();
        foreach (var logged in events)
        {
            if (logged.Event?.Exposure is not { ExperimentId: { Length: > 0 } id } || _experiments.ContainsKey(id) || _givenUpDefinitions.Contains(id))
            {
                continue;
            }
            if (!_awaitedDefinitions.TryGetValue(id, out var awaited))
            {
                _awaitedDefinitions[id] = awaited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _ = GiveUpDefinitionAsync(id, awaited);
            }
            waits.Add(awaited.Task);
        }
        return waits;
    }

    private async Task GiveUpDefinitionAsync(string experimentId, TaskCompletionSource awaited)
    {
        await Task.Delay(_options.DefinitionWait);
        lock (_lock)
        {
            if (_awaitedDefinitions.Remove(experimentId))
            {
                _givenUpDefinitions.Add(experimentId);
            }
        }
        awaited.TrySetResult();
    }

    /// <summary>Drops an experiment that left the served definitions; its last verdict stays readable.</summary>
    public void Remove(string experimentId)
    {
        lock (_lock)
        {
            _experiments.Remove(experimentId);
            _aggregator.Remove(experimentId);
            _changes++;
        }
    }

    /// <summary>The experiment definitions held.</summary>
    public IReadOnlyList<Experiment> Experiments()
    {
        lock (_lock)
        {
            return [.. _experiments.Values];
        }
    }

    /// <summary>Per-variant aggregates of one experiment, or null.</summary>
    public (Experiment Experiment, ExperimentAggregate Aggregate, long Version)? Snapshot(string experimentId)
    {
        lock (_lock)
        {
            if (!_experiments.TryGetValue(experimentId, out var experiment) || _aggregator.Find(experimentId) is not { } aggregator)
            {
                return null;
            }
            return (experiment, aggregator.Snapshot(), aggregator.Version);
        }
    }

    /// <summary>The mergeable per-variant aggregates of one experiment and the definition they were built for, or null.</summary>
    public (Experiment Experiment, byte[] Aggregates)? Export(string experimentId)
    {
        if (Snapshot(experimentId) is not { } snapshot)
        {
            return null;
        }
        return (snapshot.Experiment, snapshot.Aggregate.ToBytes());
    }

    /// <summary>Version of an experiment's state (moves with every applied change).</summary>
    public long Version(string experimentId)
    {
        lock (_lock)
        {
            return _aggregator.Find(experimentId)?.Version ?? -1;
        }
    }

    /// <summary>
    /// Writes a checkpoint of the positions and state together, then confirms the positions. Skipped when nothing
    /// changed since the last one that committed.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        byte[] state;
        Dictionary<(string, int), long> positions;
        long sequence;
        long changes;
        TaskCompletionSource<bool> durable;
        bool full;
        lock (_lock)
        {
            durable = _durable;
            _durable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            changes = _changes;
            if (changes == _committedChanges)
            {
                durable.TrySetResult(true);
                return;
            }
            positions = new Dictionary<(string, int), long>(_applied);
            sequence = ++_sequence;
            // Changed units only, until the deltas since the last full record outweigh it: then a full record
            // replaces them, so restoring reads at most about twice the state.
            full = !store.SupportsDeltas || _forceFull || _baseBytes == 0;
            state = Serialize(positions, full ? RecordKind.Full : RecordKind.Delta);
            if (!full && _deltaBytesSinceBase + state.Length > _baseBytes)
            {
                full = true;
                state = Serialize(positions, RecordKind.Full);
            }
            _forceFull = false;
        }
        try
        {
            await store.SaveAsync(ShardName, sequence, state, full, cancellationToken);
        }
        catch
        {
            lock (_lock)
            {
                // The changes this record held are no longer tracked as changed: only a full record can carry them.
                _forceFull = true;
            }
            durable.TrySetResult(false);
            throw;
        }
        TaskCompletionSource committed;
        lock (_lock)
        {
            _confirmed = positions;
            _committedChanges = changes;
            if (full)
            {
                _baseBytes = state.Length;
                _deltaBytesSinceBase = 0;
            }
            else
            {
                _deltaBytesSinceBase += state.Length;
            }
            committed = _committed;
            _committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        committed.TrySetResult();
        durable.TrySetResult(true);
    }

    /// <summary>
    /// True once a checkpoint holding everything applied so far has committed; false when the next checkpoint fails.
    /// </summary>
    public Task<bool> WaitDurableAsync()
    {
        lock (_lock)
        {
            return _changes == _committedChanges ? Task.FromResult(true) : _durable.Task;
        }
    }

    /// <summary>
    /// Applies a message delivered by pub/sub (Dapr mode), idempotently by its message id: pub/sub does not keep a
    /// partition's positions in order, so positions are not used; nor a unit's events, so a message carrying a request,
    /// activity or custom-metric event whose unit no experiment here has seen exposed is refused whole, having recorded
    /// nothing (<see cref="DeliveryOutcome.UnitNotExposed"/>): the broker redelivers it, by then after the exposure, and
    /// nothing waits in this process's memory, so a restart loses nothing; the same for a message whose exposures name an
    /// experiment whose definition has not arrived yet (up to <see cref="StatisticsOptions.DefinitionWait"/>). With <paramref name="waitForExposure"/> false
    /// (the broker gave up redelivering) it is applied as it is, and events still unattributed are counted by the engine.
    /// Throws <see cref="InvalidForwardedEventException"/>, having applied and remembered nothing, when any event breaks
    /// <see cref="ForwardedEventRules"/> (redelivering it cannot help: drop it).
    /// </summary>
    public DeliveryOutcome TryApplyDelivered(string messageId, ForwardRequest message, bool waitForExposure = true)
    {
        RefuseInvalid(message);
        return TryApplyDelivered([(messageId, message)], waitForExposure)[0];
    }

    /// <summary>
    /// Applies a bulk delivery (Dapr's bulk subscribe) in one pass under the lock, each message as
    /// <see cref="TryApplyDelivered(string, ForwardRequest, bool)"/> would, with one outcome per message in order; a message
    /// breaking <see cref="ForwardedEventRules"/> is <see cref="DeliveryOutcome.Invalid"/> and the others still apply.
    /// Messages refused for an unexposed unit are tried again after the rest, so an exposure later in the same bulk
    /// (pub/sub keeps no order) still lets its unit's events in.
    /// </summary>
    public DeliveryOutcome[] TryApplyDelivered(IReadOnlyList<(string Id, ForwardRequest Message)> messages, bool waitForExposure = true)
    {
        var outcomes = new DeliveryOutcome[messages.Count];
        var events = new List<TelemetryEvent?>[messages.Count];
        var pending = new List<int>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            if (ForwardedEventRules.Check(messages[i].Message.Events, _options.MaxLatencyMs) is not null)
            {
                outcomes[i] = DeliveryOutcome.Invalid;
                continue;
            }
            events[i] = [.. messages[i].Message.Events.Select(logged => logged.Event is { } e ? EventMapping.ToTelemetry(e) : null)];
            pending.Add(i);
        }
        var touched = new HashSet<string>(StringComparer.Ordinal);
        lock (_lock)
        {
            var progressed = true;
            while (pending.Count > 0 && progressed)
            {
                progressed = false;
                var waiting = new List<int>();
                foreach (var i in pending)
                {
                    if (waitForExposure && (AwaitedDefinitions(messages[i].Message.Events).Count > 0
                        || events[i].Any(t => t is { } telemetry && telemetry.Kind != TelemetryKind.Exposure && !_aggregator.KnowsUnit(telemetry))))
                    {
                        waiting.Add(i);
                        continue;
                    }
                    progressed = true;
                    if (!_aggregator.EventIds.TryAdd(StableHash.Of("message:" + messages[i].Id)))
                    {
                        outcomes[i] = DeliveryOutcome.AlreadyApplied;
                        continue;
                    }
                    _changes++;
                    outcomes[i] = DeliveryOutcome.Applied;
                    foreach (var telemetry in events[i])
                    {
                        if (telemetry is { } t && _aggregator.Apply(t))
                        {
                            Touch(t, touched);
                        }
                    }
                }
                pending = waiting;
            }
        }
        foreach (var i in pending)
        {
            outcomes[i] = DeliveryOutcome.UnitNotExposed;
        }
        Notify(touched);
        return outcomes;
    }

    /// <summary>Restores the last checkpoint (a full record, then the deltas after it), if any: applied = confirmed = its positions.</summary>
    public async Task<bool> RestoreAsync(CancellationToken cancellationToken)
    {
        var records = await store.LoadAsync(ShardName, cancellationToken);
        if (records is null || records.Count == 0)
        {
            return false;
        }
        lock (_lock)
        {
            _aggregator = NewAggregator();
            _aggregator.EventIds.TrackAdditions = false;
            for (var r = 0; r < records.Count; r++)
            {
                using var reader = new BinaryReader(new MemoryStream(records[r]));
                var version = reader.ReadInt32();
                var kind = version == 1 ? RecordKind.Full : version == FormatVersion ? (RecordKind)reader.ReadByte() : throw new InvalidDataException("Unknown checkpoint format.");
                if ((kind == RecordKind.Full) != (r == 0))
                {
                    throw new InvalidDataException("A checkpoint must be one full record followed by deltas.");
                }
                ReadRecord(reader, kind);
            }
            _confirmed = new Dictionary<(string, int), long>(_applied);
            _aggregator.EventIds.TakeAdded();
            _aggregator.EventIds.TrackAdditions = true;
            _baseBytes = records[0].Length;
            _deltaBytesSinceBase = records.Skip(1).Sum(d => (long)d.Length);
        }
        return true;
    }

    private ShardAggregator NewAggregator() => new(_options.EventIdWindow) { EventIds = { TrackAdditions = true } };

    private void ReadRecord(BinaryReader reader, RecordKind kind)
    {
        _applied.Clear();
        var positions = reader.ReadInt32();
        for (var i = 0; i < positions; i++)
        {
            var key = (reader.ReadString(), reader.ReadInt32());
            _applied[key] = reader.ReadInt64();
        }
        var held = new HashSet<string>(StringComparer.Ordinal);
        var experiments = reader.ReadInt32();
        for (var i = 0; i < experiments; i++)
        {
            var experiment = Experiment.Parser.ParseFrom(reader.ReadBytes(reader.ReadInt32()));
            var definition = DefinitionMapping.ToDefinition(experiment);
            _experiments[experiment.Id] = experiment;
            held.Add(experiment.Id);
            var whole = kind == RecordKind.Full || reader.ReadBoolean();
            if (whole)
            {
                _aggregator.Restore(ExperimentAggregator.Read(definition, reader));
            }
            else
            {
                if (_aggregator.Find(experiment.Id) is null)
                {
                    throw new InvalidDataException("A checkpoint delta names an experiment it does not continue.");
                }
                // Same arms and KPIs (otherwise the record holds it whole): the state is kept, the revision taken.
                _aggregator.Define(definition).ReadDelta(reader);
            }
        }
        foreach (var gone in _experiments.Keys.Where(id => !held.Contains(id)).ToList())
        {
            _experiments.Remove(gone);
            _aggregator.Remove(gone);
        }
        if (kind == RecordKind.Full)
        {
            var previous = ReadIds(reader);
            var current = ReadIds(reader);
            _aggregator.EventIds.Restore(previous, current);
        }
        else
        {
            // Replaying the additions in order rotates the window's generations exactly as they rotated.
            foreach (var id in ReadIds(reader))
            {
                _aggregator.EventIds.TryAdd(id);
            }
        }
    }

    private byte[] Serialize(Dictionary<(string, int), long> positions, RecordKind kind)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write((byte)kind);
            writer.Write(positions.Count);
            foreach (var ((log, partition), position) in positions)
            {
                writer.Write(log);
                writer.Write(partition);
                writer.Write(position);
            }
            var held = _experiments.Values.Where(e => _aggregator.Find(e.Id) is not null).ToList();
            writer.Write(held.Count);
            foreach (var experiment in held)
            {
                var bytes = experiment.ToByteArray();
                writer.Write(bytes.Length);
                writer.Write(bytes);
                var aggregator = _aggregator.Find(experiment.Id)!;
                if (kind == RecordKind.Full)
                {
                    aggregator.Write(writer);
                }
                else
                {
                    writer.Write(aggregator.NeedsFullWrite);
                    if (aggregator.NeedsFullWrite)
                    {
                        aggregator.Write(writer);
                    }
                    else
                    {
                        aggregator.WriteDelta(writer);
                    }
                }
            }
            var added = _aggregator.EventIds.TakeAdded();
            if (kind == RecordKind.Full)
            {
                WriteIds(writer, _aggregator.EventIds.PreviousIds);
                WriteIds(writer, _aggregator.EventIds.CurrentIds);
            }
            else
            {
                WriteIds(writer, added);
            }
        }
        return stream.ToArray();
    }

    private static void WriteIds(BinaryWriter writer, IReadOnlyCollection<ulong> ids)
    {
        writer.Write(ids.Count);
        foreach (var id in ids)
        {
            writer.Write(id);
        }
    }

    private static List<ulong> ReadIds(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var ids = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(reader.ReadUInt64());
        }
        return ids;
    }

    private enum RecordKind : byte
    {
        Full = 0,
        Delta = 1,
    }
}
