namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// The first look at which a guardrail's always-valid interval lay entirely beyond its tolerance. Carried from
/// verdict to verdict: the ROLL_BACK it caused stays (<see cref="VerdictEngine"/> explains why that is valid).
/// </summary>
/// <param name="MetricKey">The breached guardrail.</param>
/// <param name="VariantKey">The treatment that breached it.</param>
/// <param name="AsOfTime">The as-of time of the verdict that first showed the breach.</param>
/// <param name="Reason">That verdict's reason, with the interval that showed it.</param>
public sealed record GuardrailBreach(string MetricKey, string VariantKey, DateTimeOffset AsOfTime, string Reason);
