namespace Experiments.Assignment.Definitions;

/// <summary>Who is eligible. Exclusions win; listed users are in; otherwise groups (any) and attribute rules (all).</summary>
public sealed record TargetingRules
{
    public static readonly TargetingRules Everyone = new();

    public IReadOnlyList<string> UserIds { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];

    public IReadOnlyList<AttributeCondition> AttributeRules { get; init; } = [];

    public IReadOnlyList<string> ExcludedUserIds { get; init; } = [];

    public IReadOnlyList<string> ExcludedGroups { get; init; } = [];

    public bool IsEveryone() =>
        UserIds.Count == 0 && Groups.Count == 0 && AttributeRules.Count == 0 && ExcludedUserIds.Count == 0 && ExcludedGroups.Count == 0;
}
