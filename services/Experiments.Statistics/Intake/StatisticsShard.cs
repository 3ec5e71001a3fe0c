using Experiments.Contracts.V1;
using Experiments.Statistics.Checkpoints;
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
    private const int FormatVersion = 1;

    private readonly Lock _lock = new();
    private readonly StatisticsOptions _options = options.Value;
    private ShardAggregator _aggregator = new(options.Value.EventIdWindow);
    private readonly Dictionary<string, Experiment> _experiments = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Log, int Partition), long> _applied = [];
    private Dictionary<(string Log, int Partition), long> _confirmed = [];
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;

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

    /// <summary>Applies a batch's events above the partition's applied position; returns how many were new.</summary>
    public int Apply(ForwardRequest request)
    {
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
                if (logged.Event is { } e && EventMapping.ToTelemetry(e) is { } telemetry && _aggregator.Apply(telemetry))
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
            }
            _applied[key] = applied;
        }
        foreach (var id in touched)
        {
            Changed?.Invoke(id);
        }
        return fresh;
    }

    /// <summary>Adds or updates a definition (from the assignment service).</summary>
    public void Define(Experiment experiment)
    {
        lock (_lock)
        {
            _experiments[experiment.Id] = experiment.Clone();
            _aggregator.Define(DefinitionMapping.ToDefinition(experiment));
        }
        Changed?.Invoke(experiment.Id);
    }

    /// <summary>Drops an experiment that left the served definitions; its last verdict stays readable.</summary>
    public void Remove(string experimentId)
    {
        lock (_lock)
        {
            _experiments.Remove(experimentId);
            _aggregator.Remove(experimentId);
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

    /// <summary>Version of an experiment's state (moves with every applied change).</summary>
    public long Version(string experimentId)
    {
        lock (_lock)
        {
            return _aggregator.Find(experimentId)?.Version ?? -1;
        }
    }

    /// <summary>Writes a checkpoint of the positions and state together, then confirms the positions.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        byte[] state;
        Dictionary<(string, int), long> positions;
        long sequence;
        lock (_lock)
        {
            positions = new Dictionary<(string, int), long>(_applied);
            sequence = ++_sequence;
            state = Serialize(positions);
        }
        await store.SaveAsync(ShardName, sequence, state, cancellationToken);
        TaskCompletionSource committed;
        lock (_lock)
        {
            _confirmed = positions;
            committed = _committed;
            _committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        committed.TrySetResult();
    }

    /// <summary>Restores the last checkpoint, if any: applied = confirmed = its positions.</summary>
    public async Task<bool> RestoreAsync(CancellationToken cancellationToken)
    {
        var bytes = await store.LoadAsync(ShardName, cancellationToken);
        if (bytes is null)
        {
            return false;
        }
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (reader.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("Unknown checkpoint format.");
        }
        lock (_lock)
        {
            var positions = reader.ReadInt32();
            for (var i = 0; i < positions; i++)
            {
                var key = (reader.ReadString(), reader.ReadInt32());
                _applied[key] = reader.ReadInt64();
            }
            _confirmed = new Dictionary<(string, int), long>(_applied);
            _aggregator = new ShardAggregator(_options.EventIdWindow);
            var experiments = reader.ReadInt32();
            for (var i = 0; i < experiments; i++)
            {
                var experiment = Experiment.Parser.ParseFrom(reader.ReadBytes(reader.ReadInt32()));
                _experiments[experiment.Id] = experiment;
                _aggregator.Restore(ExperimentAggregator.Read(DefinitionMapping.ToDefinition(experiment), reader));
            }
            var previous = ReadIds(reader);
            var current = ReadIds(reader);
            _aggregator.EventIds.Restore(previous, current);
        }
        return true;
    }

    private byte[] Serialize(Dictionary<(string, int), long> positions)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
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
                _aggregator.Find(experiment.Id)!.Write(writer);
            }
            WriteIds(writer, _aggregator.EventIds.PreviousIds);
            WriteIds(writer, _aggregator.EventIds.CurrentIds);
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
}
