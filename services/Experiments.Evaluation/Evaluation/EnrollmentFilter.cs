using Experiments.Assignment.Definitions;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// Microsoft.FeatureManagement filter that enables an experiment's feature for a unit that is enrolled: it has
/// the unit id, passes targeting, is not held out, falls in the experiment's layer segment and inside the
/// rollout. Written the plain way (string salts, Encoding.UTF8) as the reference the precompiled evaluator is
/// checked against.
/// </summary>
[FilterAlias(Alias)]
public sealed class EnrollmentFilter : IContextualFeatureFilter<ITargetingContext>
{
    public const string Alias = "Experiments.Enrollment";

    public Task<bool> EvaluateAsync(FeatureFilterEvaluationContext featureFilterContext, ITargetingContext appContext)
    {
        ArgumentNullException.ThrowIfNull(featureFilterContext);
        if (featureFilterContext.Settings is not EnrollmentSettings settings || appContext is not UnitTargetingContext unitContext)
        {
            return Task.FromResult(false);
        }
        return Task.FromResult(IsEnrolled(settings, unitContext));
    }

    private static bool IsEnrolled(EnrollmentSettings settings, UnitTargetingContext target)
    {
        var definition = settings.Definition;
        var unit = target.UserId;
        if (string.IsNullOrEmpty(unit))
        {
            return false;
        }
        if (settings.Targeting is not null && !settings.Targeting.Matches(target.Context))
        {
            return false;
        }
        if (definition.Holdout is { } holdout
            && UnitHash.PositionReference(CompiledExperiment.HoldoutSalt(holdout.Name), unit) < UnitHash.Threshold(holdout.Percent))
        {
            return false;
        }
        if (definition.Layer is { } layer)
        {
            var position = UnitHash.PositionReference(CompiledExperiment.LayerSalt(layer.Name), unit);
            if (position < UnitHash.Threshold(layer.SegmentStartPercent) || position >= UnitHash.Threshold(layer.SegmentEndPercent()))
            {
                return false;
            }
        }
        return UnitHash.PositionReference(CompiledExperiment.RolloutSalt(definition), unit) < UnitHash.Threshold(definition.RolloutPercent);
    }
}
