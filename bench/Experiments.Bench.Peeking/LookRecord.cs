using Experiments.Contracts.V1;

namespace Experiments.Bench.Peeking;

/// <summary>The verdict at one look: after an increment of users, once the verdict counted all of them.</summary>
internal sealed record LookRecord(int Look, long Units, long Requests, VerdictDecision Decision, IReadOnlyList<string> Reasons, string Guardrails,
    double SampleRatioP, bool EarlierDecisionKept);

/// <summary>One simulated experiment: its seed and the decision at every look (fewer looks when it failed).</summary>
internal sealed record RunRecord(Scenario Scenario, int Run, int Seed, string ExperimentId, IReadOnlyList<LookRecord> Looks, string? Failure)
{
    public bool ShipAtAnyLook => Looks.Any(l => l.Decision == VerdictDecision.Ship);

    public bool RollBackAtAnyLook => Looks.Any(l => l.Decision == VerdictDecision.RollBack);

    public VerdictDecision LastDecision => Looks.Count > 0 ? Looks[^1].Decision : VerdictDecision.Unspecified;

    /// <summary>
    /// The first look at which a SHIP or ROLL_BACK reached earlier became another decision; null when none did. An
    /// INVALID look (sample ratio mismatch) that keeps the earlier decision on record (Verdict.guardrail_breach or
    /// ship_decision) counts too: the decision printed did change; <see cref="LookRecord.EarlierDecisionKept"/> tells.
    /// </summary>
    public LookRecord? Flip
    {
        get
        {
            VerdictDecision? reached = null;
            foreach (var look in Looks)
            {
                if (reached is { } decision && look.Decision != decision)
                {
                    return look;
                }
                if (reached is null && look.Decision is VerdictDecision.Ship or VerdictDecision.RollBack)
                {
                    reached = look.Decision;
                }
            }
            return null;
        }
    }
}
