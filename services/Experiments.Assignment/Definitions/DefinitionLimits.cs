namespace Experiments.Assignment.Definitions;

/// <summary>
/// Size limits of a definition, bound from <c>Assignment:Limits</c>. Defaults: 2–20 variants, 50 KPIs,
/// 1,000 entries per targeting list and 100 attribute rules, 64-character keys, 128-character flag keys,
/// 200-character display names, 4,000-character descriptions, 16 KiB payloads, 256-character unit ids, retention
/// days up to 365, horizons up to 3,650 days (ten years).
/// </summary>
public sealed class DefinitionLimits
{
    public int MaxVariants { get; set; } = 20;

    public int MaxKpis { get; set; } = 50;

    public int MaxTargetingEntries { get; set; } = 1000;

    public int MaxAttributeRules { get; set; } = 100;

    public int MaxKeyLength { get; set; } = 64;

    public int MaxFlagKeyLength { get; set; } = 128;

    public int MaxDisplayNameLength { get; set; } = 200;

    public int MaxDescriptionLength { get; set; } = 4000;

    public int MaxPayloadLength { get; set; } = 16 * 1024;

    /// <summary>Longest user, session or request id accepted in an evaluation context.</summary>
    public int MaxUnitIdLength { get; set; } = 256;

    /// <summary>Largest N of a RETENTION_DAY_N KPI.</summary>
    public int MaxRetentionDay { get; set; } = 365;

    /// <summary>Longest horizon.max_duration: statistics adds it to the start time, which must stay a date.</summary>
    public TimeSpan MaxHorizon { get; set; } = TimeSpan.FromDays(3650);
}
