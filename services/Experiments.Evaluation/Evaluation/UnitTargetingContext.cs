using Experiments.Assignment.Definitions;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// The targeting context handed to IVariantFeatureManager for one experiment: its UserId is the id of the
/// experiment's randomization unit (user, session or request), which percentile allocation hashes.
/// </summary>
public sealed class UnitTargetingContext(UnitContext context, UnitKind unit) : ITargetingContext
{
    private string? _userId = context.IdFor(unit);
    private IEnumerable<string>? _groups = context.Groups;

    public UnitContext Context { get; } = context;

    public string? UserId
    {
        get => _userId;
        set => _userId = value;
    }

    public IEnumerable<string>? Groups
    {
        get => _groups;
        set => _groups = value;
    }
}
