using Experiments.Contracts.V1;

namespace Experiments.Bench.Peeking;

/// <summary>The counts of one scenario over its completed runs, as a Markdown table row.</summary>
internal sealed class ScenarioSummary(Scenario scenario, IReadOnlyList<RunRecord> records)
{
    public const string Header =
        "| scenario | runs | SHIP at any look | ROLL_BACK at any look | last look: SHIP / ROLL_BACK / KEEP_RUNNING / other | SHIP or ROLL_BACK later changed | failed runs |\n"
        + "|---|---|---|---|---|---|---|";

    private readonly List<RunRecord> _completed = records.Where(r => r.Failure is null).ToList();

    public string Row()
    {
        var n = _completed.Count;
        var last = _completed.Select(r => r.LastDecision).ToList();
        var other = last.Count(d => d is not (VerdictDecision.Ship or VerdictDecision.RollBack or VerdictDecision.KeepRunning));
        return $"| {scenario.Name} | {n} | {ClopperPearson.Format(_completed.Count(r => r.ShipAtAnyLook), n)} "
            + $"| {ClopperPearson.Format(_completed.Count(r => r.RollBackAtAnyLook), n)} "
            + $"| {last.Count(d => d == VerdictDecision.Ship)} / {last.Count(d => d == VerdictDecision.RollBack)} / {last.Count(d => d == VerdictDecision.KeepRunning)} / {other} "
            + $"| {ClopperPearson.Format(_completed.Count(r => r.Flip is not null), n)} | {records.Count - n} |";
    }

    /// <summary>The runs that contradict the scenario's expectation from the decision rule, with why.</summary>
    public IEnumerable<(RunRecord Run, LookRecord Look, string What)> Offending()
    {
        foreach (var run in _completed)
        {
            var harmful = scenario.Name.StartsWith("harm-", StringComparison.Ordinal);
            if (harmful && run.Looks.FirstOrDefault(l => l.Decision == VerdictDecision.Ship) is { } ship)
            {
                yield return (run, ship, "SHIP on a harmful change");
            }
            if (scenario.Name == "aa" && run.Looks.FirstOrDefault(l => l.Decision is VerdictDecision.Ship or VerdictDecision.RollBack) is { } decided)
            {
                yield return (run, decided, "decision on an A/A");
            }
            if (run.Flip is { } flip)
            {
                yield return (run, flip, $"{run.Looks[flip.Look - 2].Decision} became {flip.Decision}"
                    + (flip.EarlierDecisionKept ? " (the earlier decision still on record in the verdict)" : " (the earlier decision no longer on record)"));
            }
        }
    }
}
