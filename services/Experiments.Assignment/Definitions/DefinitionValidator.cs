using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// Checks a definition on its own (cross-experiment rules such as layer capacity live in
/// <see cref="ExperimentCatalog"/>). Every violation names the field by its path in the request.
/// </summary>
public sealed class DefinitionValidator(IOptions<DefinitionLimits> limits)
{
    /// <summary>Weights must sum to 100; this absorbs rounding of values such as 33.33 + 33.33 + 33.34.</summary>
    public const double WeightSumTolerance = 1e-6;

    private readonly DefinitionLimits _limits = limits.Value;

    /// <summary>Throws <see cref="InvalidDefinitionException"/> listing every invalid field under <paramref name="prefix"/>.</summary>
    public void Validate(ExperimentDefinition definition, string prefix)
    {
        var violations = new List<FieldViolation>();
        void Fail(string field, string description) => violations.Add(new FieldViolation(prefix + field, description));

        CheckKey(definition.FlagKey, "flag_key", _limits.MaxFlagKeyLength, Fail);
        CheckLength(definition.DisplayName, "display_name", _limits.MaxDisplayNameLength, Fail);
        CheckLength(definition.Description, "description", _limits.MaxDescriptionLength, Fail);
        ValidateVariants(definition, Fail);
        if (!Enum.IsDefined(definition.Unit))
        {
            Fail("randomization_unit", definition.Unit == 0
                ? "is required: USER, SESSION or REQUEST"
                : $"unknown randomization unit {(int)definition.Unit}");
        }
        ValidateTargeting(definition.Targeting, Fail);
        if (!double.IsFinite(definition.RolloutPercent) || definition.RolloutPercent is < 0 or > 100)
        {
            Fail("rollout_percent", $"must be between 0 and 100, got {Format(definition.RolloutPercent)}");
        }
        if (definition.Layer is { } layer)
        {
            CheckKey(layer.Name, "layer.name", _limits.MaxKeyLength, Fail);
            if (!double.IsFinite(layer.TrafficPercent) || layer.TrafficPercent is <= 0 or > 100)
            {
                Fail("layer.traffic_percent", $"must be greater than 0 and at most 100, got {Format(layer.TrafficPercent)}");
            }
        }
        if (definition.Holdout is { } holdout)
        {
            CheckKey(holdout.Name, "holdout.name", _limits.MaxKeyLength, Fail);
            if (!double.IsFinite(holdout.Percent) || holdout.Percent is < 0 or >= 100)
            {
                Fail("holdout.percent", $"must be at least 0 and less than 100, got {Format(holdout.Percent)}");
            }
        }
        ValidateKpis(definition, Fail);
        if (!double.IsFinite(definition.Alpha) || definition.Alpha is <= 0 or > 0.5)
        {
            Fail("alpha", $"must be in (0, 0.5] (0 means 0.05), got {Format(definition.Alpha)}");
        }
        if (!double.IsFinite(definition.MinimumDetectableEffect) || definition.MinimumDetectableEffect <= 0)
        {
            Fail("minimum_detectable_effect", $"must be greater than 0 (a relative effect, e.g. 0.02 for 2%), got {Format(definition.MinimumDetectableEffect)}");
        }
        if (!double.IsFinite(definition.Power) || definition.Power is <= 0 or >= 1)
        {
            Fail("power", $"must be in (0, 1) (0 means 0.8), got {Format(definition.Power)}");
        }
        if (!Enum.IsDefined(definition.Correction))
        {
            Fail("multiple_testing_correction", $"unknown correction {(int)definition.Correction}");
        }
        if (definition.SequentialNStar < 0)
        {
            Fail("sequential_n_star", "must not be negative");
        }
        if (definition.Horizon.MaxDuration < TimeSpan.Zero)
        {
            Fail("horizon.max_duration", "must not be negative");
        }
        else if (definition.Horizon.MaxDuration > _limits.MaxHorizon)
        {
            Fail("horizon.max_duration", string.Create(CultureInfo.InvariantCulture,
                $"must be at most {_limits.MaxHorizon.TotalDays:0.##} days ({(long)_limits.MaxHorizon.TotalSeconds}s), got {(long)definition.Horizon.MaxDuration.TotalSeconds}s"));
        }
        if (definition.Horizon.MaxUnits < 0)
        {
            Fail("horizon.max_units", "must not be negative");
        }
        CheckLength(definition.Seed, "seed", _limits.MaxFlagKeyLength, Fail);
        if (definition.DefaultVariantKey.Length > 0 && definition.Variants.All(v => v.Key != definition.DefaultVariantKey))
        {
            Fail("default_variant_key", $"'{definition.DefaultVariantKey}' is not one of the variant keys");
        }
        if (violations.Count > 0)
        {
            throw new InvalidDefinitionException(violations);
        }
    }

    /// <summary>Checks an evaluation context's unit ids; throws <see cref="InvalidDefinitionException"/>.</summary>
    public void ValidateUnitId(string value, string field)
    {
        if (value.Length > _limits.MaxUnitIdLength)
        {
            throw new InvalidDefinitionException(field, $"is {value.Length} characters long; the limit is {_limits.MaxUnitIdLength}");
        }
    }

    private void ValidateVariants(ExperimentDefinition definition, Action<string, string> fail)
    {
        var variants = definition.Variants;
        if (variants.Count < 2)
        {
            fail("variants", $"at least two variants are required (a control and a treatment), got {variants.Count}");
        }
        if (variants.Count > _limits.MaxVariants)
        {
            fail("variants", $"at most {_limits.MaxVariants} variants are allowed, got {variants.Count}");
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < variants.Count; i++)
        {
            var variant = variants[i];
            var path = $"variants[{i}]";
            CheckKey(variant.Key, path + ".key", _limits.MaxKeyLength, fail);
            if (variant.Key.Length > 0 && !keys.Add(variant.Key))
            {
                fail(path + ".key", $"duplicate variant key '{variant.Key}'");
            }
            CheckLength(variant.DisplayName, path + ".display_name", _limits.MaxDisplayNameLength, fail);
            CheckLength(variant.Payload, path + ".payload", _limits.MaxPayloadLength, fail);
            if (!double.IsFinite(variant.Weight) || variant.Weight < 0)
            {
                fail(path + ".weight", $"must be a finite number >= 0, got {Format(variant.Weight)}");
            }
        }
        var controls = variants.Count(v => v.IsControl);
        if (variants.Count > 0 && controls != 1)
        {
            fail("variants", $"exactly one variant must have is_control = true, found {controls}");
        }
        if (variants.Count > 0 && variants.All(v => double.IsFinite(v.Weight) && v.Weight >= 0))
        {
            var sum = variants.Sum(v => v.Weight);
            if (Math.Abs(sum - 100) > WeightSumTolerance)
            {
                fail("variants", $"weights must sum to 100, they sum to {Format(sum)}");
            }
        }
    }

    private void ValidateTargeting(TargetingRules targeting, Action<string, string> fail)
    {
        CheckList(targeting.UserIds, "targeting.user_ids", fail);
        CheckList(targeting.Groups, "targeting.groups", fail);
        CheckList(targeting.ExcludedUserIds, "targeting.excluded_user_ids", fail);
        CheckList(targeting.ExcludedGroups, "targeting.excluded_groups", fail);
        if (targeting.AttributeRules.Count > _limits.MaxAttributeRules)
        {
            fail("targeting.attribute_rules", $"at most {_limits.MaxAttributeRules} rules are allowed, got {targeting.AttributeRules.Count}");
        }
        for (var i = 0; i < targeting.AttributeRules.Count; i++)
        {
            var rule = targeting.AttributeRules[i];
            var path = $"targeting.attribute_rules[{i}]";
            if (string.IsNullOrEmpty(rule.Attribute))
            {
                fail(path + ".attribute", "is required");
            }
            CheckList(rule.Values, path + ".values", fail);
            switch (rule.Operator)
            {
                case ConditionOperator.In or ConditionOperator.NotIn:
                    if (rule.Values.Count == 0)
                    {
                        fail(path + ".values", $"{OperatorName(rule.Operator)} needs at least one value");
                    }
                    break;
                case ConditionOperator.Contains or ConditionOperator.StartsWith or ConditionOperator.EndsWith:
                    if (rule.Values.Count != 1)
                    {
                        fail(path + ".values", $"{OperatorName(rule.Operator)} takes exactly one value, got {rule.Values.Count}");
                    }
                    break;
                case ConditionOperator.GreaterThan or ConditionOperator.GreaterThanOrEqual or ConditionOperator.LessThan or ConditionOperator.LessThanOrEqual:
                    if (rule.Values.Count != 1)
                    {
                        fail(path + ".values", $"{OperatorName(rule.Operator)} takes exactly one value, got {rule.Values.Count}");
                    }
                    else if (!double.TryParse(rule.Values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var operand) || !double.IsFinite(operand))
                    {
                        fail(path + ".values[0]", $"'{rule.Values[0]}' is not a number (invariant culture)");
                    }
                    break;
                case ConditionOperator.Exists or ConditionOperator.NotExists:
                    if (rule.Values.Count != 0)
                    {
                        fail(path + ".values", $"{OperatorName(rule.Operator)} takes no values, got {rule.Values.Count}");
                    }
                    break;
                default:
                    fail(path + ".operator", (int)rule.Operator == 0 ? "is required" : $"unknown operator {(int)rule.Operator}");
                    break;
            }
        }
    }

    private void ValidateKpis(ExperimentDefinition definition, Action<string, string> fail)
    {
        var kpis = definition.Kpis;
        if (kpis.Count > _limits.MaxKpis)
        {
            fail("kpis", $"at most {_limits.MaxKpis} KPIs are allowed, got {kpis.Count}");
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < kpis.Count; i++)
        {
            var kpi = kpis[i];
            var path = $"kpis[{i}]";
            CheckKey(kpi.Key, path + ".key", _limits.MaxKeyLength, fail);
            if (kpi.Key.Length > 0 && !keys.Add(kpi.Key))
            {
                fail(path + ".key", $"duplicate KPI key '{kpi.Key}'");
            }
            CheckLength(kpi.DisplayName, path + ".display_name", _limits.MaxDisplayNameLength, fail);
            CheckLength(kpi.ApiName, path + ".api_name", _limits.MaxFlagKeyLength, fail);
            if (!Enum.IsDefined(kpi.Kind))
            {
                fail(path + ".kind", kpi.Kind == 0 ? "is required" : $"unknown KPI kind {(int)kpi.Kind}");
            }
            if (!Enum.IsDefined(kpi.Role))
            {
                fail(path + ".role", kpi.Role == 0 ? "is required: PRIMARY, GUARDRAIL or SECONDARY" : $"unknown KPI role {(int)kpi.Role}");
            }
            if (!Enum.IsDefined(kpi.Direction))
            {
                fail(path + ".direction", $"unknown direction {(int)kpi.Direction}");
            }
            if (!double.IsFinite(kpi.Tolerance) || kpi.Tolerance < 0)
            {
                fail(path + ".tolerance", $"must be a finite number >= 0, got {Format(kpi.Tolerance)}");
            }
            if (kpi.Tolerance > 0 && kpi.Role != MetricRole.Guardrail)
            {
                fail(path + ".tolerance", "applies to GUARDRAIL KPIs only");
            }
            if (!double.IsFinite(kpi.MinimumDetectableEffect) || kpi.MinimumDetectableEffect < 0)
            {
                fail(path + ".minimum_detectable_effect", $"must be a finite number >= 0 (0 means the experiment's), got {Format(kpi.MinimumDetectableEffect)}");
            }
            switch (kpi.Kind)
            {
                case MetricKind.RetentionDayN when kpi.RetentionDay < 1 || kpi.RetentionDay > _limits.MaxRetentionDay:
                    fail(path + ".retention_day", $"RETENTION_DAY_N needs a day from 1 to {_limits.MaxRetentionDay}, got {kpi.RetentionDay}");
                    break;
                case MetricKind.CustomMetric:
                    if (kpi.MetricName.Length == 0)
                    {
                        fail(path + ".metric_name", "CUSTOM_METRIC needs the metric name to analyse");
                    }
                    if (kpi.Direction == ImprovementDirection.Unspecified)
                    {
                        fail(path + ".direction", "CUSTOM_METRIC needs a direction (INCREASE or DECREASE)");
                    }
                    break;
            }
            if (kpi.Kind != MetricKind.RetentionDayN && kpi.RetentionDay != 0)
            {
                fail(path + ".retention_day", "applies to RETENTION_DAY_N KPIs only");
            }
        }
        if (!kpis.Any(k => k.Role == MetricRole.Primary))
        {
            fail("kpis", "at least one KPI with role PRIMARY is required");
        }
    }

    private void CheckList(IReadOnlyList<string> values, string field, Action<string, string> fail)
    {
        if (values.Count > _limits.MaxTargetingEntries)
        {
            fail(field, $"at most {_limits.MaxTargetingEntries} entries are allowed, got {values.Count}");
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Length == 0)
            {
                fail($"{field}[{i}]", "must not be empty");
            }
            else if (values[i].Length > _limits.MaxUnitIdLength)
            {
                fail($"{field}[{i}]", $"is {values[i].Length} characters long; the limit is {_limits.MaxUnitIdLength}");
            }
        }
    }

    /// <summary>Keys (flag, variant, KPI, layer, holdout) are printable ASCII without spaces, so they travel in URLs and logs.</summary>
    private static void CheckKey(string value, string field, int maxLength, Action<string, string> fail)
    {
        if (value.Length == 0)
        {
            fail(field, "is required");
            return;
        }
        if (value.Length > maxLength)
        {
            fail(field, $"is {value.Length} characters long; the limit is {maxLength}");
            return;
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/'))
            {
                fail(field, $"'{value}' may contain only letters, digits and - _ . : /");
                return;
            }
        }
    }

    private static void CheckLength(string value, string field, int maxLength, Action<string, string> fail)
    {
        if (value.Length > maxLength)
        {
            fail(field, $"is {value.Length} characters long; the limit is {maxLength}");
        }
    }

    private static string OperatorName(ConditionOperator op) => op switch
    {
        ConditionOperator.In => "IN",
        ConditionOperator.NotIn => "NOT_IN",
        ConditionOperator.Contains => "CONTAINS",
        ConditionOperator.StartsWith => "STARTS_WITH",
        ConditionOperator.EndsWith => "ENDS_WITH",
        ConditionOperator.GreaterThan => "GREATER_THAN",
        ConditionOperator.GreaterThanOrEqual => "GREATER_THAN_OR_EQUAL",
        ConditionOperator.LessThan => "LESS_THAN",
        ConditionOperator.LessThanOrEqual => "LESS_THAN_OR_EQUAL",
        ConditionOperator.Exists => "EXISTS",
        ConditionOperator.NotExists => "NOT_EXISTS",
        _ => op.ToString(),
    };

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
