using Experiments.Statistics.Engine.Verdicts;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// The first guardrail breach of each experiment, handed to the next evaluation so that a ROLL_BACK stays
/// (<see cref="VerdictEngine"/> explains why that is valid). Kept in memory: a restarted process forgets it and
/// finds the breach again only if the data still show it.
/// </summary>
internal sealed class BreachMemory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GuardrailBreach> _breaches = new(StringComparer.Ordinal);

    public GuardrailBreach? Of(string experimentId)
    {
        lock (_lock)
        {
            return _breaches.GetValueOrDefault(experimentId);
        }
    }

    public void Remember(string experimentId, GuardrailBreach? breach)
    {
        if (breach is null)
        {
            return;
        }
        lock (_lock)
        {
            _breaches.TryAdd(experimentId, breach);
        }
    }
}
