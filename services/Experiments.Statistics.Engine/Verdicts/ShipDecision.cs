namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// The first look at which the verdict was SHIP. Carried from verdict to verdict: the SHIP stays unless a guardrail is
/// later shown beyond its tolerance (<see cref="VerdictEngine"/> explains why that is valid).
/// </summary>
/// <param name="VariantKey">The treatment shipped.</param>
/// <param name="AsOfTime">The as-of time of the verdict that first showed SHIP.</param>
/// <param name="Reason">That verdict's reason for the primary KPI, with the interval that showed it.</param>
public sealed record ShipDecision(string VariantKey, DateTimeOffset AsOfTime, string Reason);
