using Experiments.Assignment.Definitions;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Assignment.Rpc;

/// <summary>
/// One WatchDefinitions call: a snapshot (unless the caller's version can be resumed from the replay buffer),
/// then every change in version order. Tracks which experiments the caller holds so that an experiment moving
/// out of the requested flags is sent as a removal.
/// </summary>
internal sealed class DefinitionWatcher(DefinitionFeed feed, IReadOnlyCollection<string> flagKeys)
{
    private readonly HashSet<string> _flags = new(flagKeys, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _held = new(StringComparer.Ordinal);

    public async Task RunAsync(long resumeAfter, IServerStreamWriter<WatchDefinitionsResponse> stream, CancellationToken cancellationToken)
    {
        var version = resumeAfter;
        var changes = version > 0 ? feed.ChangesAfter(version) : null;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (changes is null)
            {
                version = await SendSnapshotAsync(stream).ConfigureAwait(false);
            }
            else
            {
                foreach (var change in changes)
                {
                    await SendChangeAsync(change, stream).ConfigureAwait(false);
                    version = change.Version;
                }
            }
            try
            {
                await feed.WaitForChangeAsync(version, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            changes = feed.ChangesAfter(version);
        }
    }

    private async Task<long> SendSnapshotAsync(IServerStreamWriter<WatchDefinitionsResponse> stream)
    {
        var set = feed.Current;
        var snapshot = new DefinitionSnapshot();
        _held.Clear();
        foreach (var experiment in set.Experiments)
        {
            if (Wanted(experiment.Definition.FlagKey))
            {
                snapshot.Experiments.Add(ExperimentMapper.ToProto(experiment.Definition));
                _held[experiment.Definition.Id] = experiment.Definition.FlagKey;
            }
        }
        await stream.WriteAsync(new WatchDefinitionsResponse { Version = set.Version, Snapshot = snapshot }).ConfigureAwait(false);
        return set.Version;
    }

    private async Task SendChangeAsync(DefinitionChange change, IServerStreamWriter<WatchDefinitionsResponse> stream)
    {
        var definition = change.Definition;
        if (!change.IsRemoval && Wanted(definition.FlagKey))
        {
            _held[definition.Id] = definition.FlagKey;
            await stream.WriteAsync(new WatchDefinitionsResponse { Version = change.Version, Upsert = ExperimentMapper.ToProto(definition) }).ConfigureAwait(false);
        }
        else if (_held.Remove(definition.Id, out var heldFlag))
        {
            await stream.WriteAsync(new WatchDefinitionsResponse
            {
                Version = change.Version,
                Removal = new ExperimentRemoval { ExperimentId = definition.Id, FlagKey = heldFlag },
            }).ConfigureAwait(false);
        }
    }

    private bool Wanted(string flagKey) => _flags.Count == 0 || _flags.Contains(flagKey);
}
