using System.Text.Json;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Engine.Verdicts;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// The decisions each experiment's verdicts reached and keep (its first guardrail breach, its first SHIP), handed to the
/// next evaluation: <see cref="VerdictEngine"/> explains why keeping them is valid. Saved in the checkpoint store under
/// <paramref name="name"/> whenever one is added, so a restarted process keeps them instead of finding them again only
/// if the data still show them. A store that cannot be read or written yet (the sidecar is not up) is tried again at
/// the next verdict; meanwhile the decisions are kept in memory.
/// </summary>
internal sealed class DecisionMemory(ICheckpointStore store, string name, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Standing> _decisions = new(StringComparer.Ordinal);
    private bool _loaded;
    private bool _unsaved;
    private long _sequence;

    /// <summary>What earlier verdicts of <paramref name="experimentId"/> decided and keep; both null when nothing yet.</summary>
    public async Task<Standing> OfAsync(string experimentId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await LoadAsync(cancellationToken);
            return _decisions.GetValueOrDefault(experimentId) ?? Standing.None;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Keeps the breach and SHIP a verdict of <paramref name="experimentId"/> showed, if new for it, durably.</summary>
    public async Task RememberAsync(string experimentId, GuardrailBreach? breach, ShipDecision? ship, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await LoadAsync(cancellationToken);
            var known = _decisions.GetValueOrDefault(experimentId) ?? Standing.None;
            // The first of each stays: the engine hands them back unchanged, so only a new one changes anything.
            var standing = new Standing(known.Breach ?? breach, known.Ship ?? ship);
            if (standing != known)
            {
                _decisions[experimentId] = standing;
                _unsaved = true;
            }
            if (_unsaved)
            {
                await SaveAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }
        try
        {
            var records = await store.LoadAsync(name, cancellationToken);
            if (records is { Count: > 0 })
            {
                var saved = JsonSerializer.Deserialize<Dictionary<string, Standing>>(records[^1]) ?? [];
                foreach (var (experimentId, earlier) in saved)
                {
                    // Saved ones are older than any reached since this process started: they come first.
                    var now = _decisions.GetValueOrDefault(experimentId) ?? Standing.None;
                    _decisions[experimentId] = new Standing(earlier.Breach ?? now.Breach, earlier.Ship ?? now.Ship);
                }
            }
            _loaded = true;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or System.Data.Common.DbException && !cancellationToken.IsCancellationRequested)
        {
            DecisionMemoryLog.NotLoaded(logger, name, e.Message);
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            // Saving before the saved decisions are read would replace them.
            return;
        }
        try
        {
            await store.SaveAsync(name, ++_sequence, JsonSerializer.SerializeToUtf8Bytes(_decisions), full: true, cancellationToken);
            _unsaved = false;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Data.Common.DbException && !cancellationToken.IsCancellationRequested)
        {
            DecisionMemoryLog.NotSaved(logger, name, e.Message);
        }
    }

    /// <summary>An experiment's kept decisions.</summary>
    internal sealed record Standing(GuardrailBreach? Breach, ShipDecision? Ship)
    {
        public static readonly Standing None = new(null, null);
    }
}

internal static partial class DecisionMemoryLog
{
    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "The kept verdict decisions ('{Name}') could not be read from the checkpoint store; reading again at the next verdict: {Error}")]
    public static partial void NotLoaded(ILogger logger, string name, string error);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "A kept verdict decision ('{Name}') could not be saved to the checkpoint store; saving again at the next verdict: {Error}")]
    public static partial void NotSaved(ILogger logger, string name, string error);
}
