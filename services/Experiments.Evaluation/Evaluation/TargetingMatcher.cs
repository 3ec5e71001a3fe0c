using System.Collections.Frozen;
using System.Globalization;
using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// Targeting prepared for evaluation: sets for the id and group lists, operands parsed once. Rules (targeting.proto):
/// exclusions win; listed users are in; otherwise the unit must be in one of the groups (when any are listed)
/// and match every attribute rule; targeting that lists only user ids targets only those users.
/// </summary>
public sealed class TargetingMatcher
{
    private readonly FrozenSet<string> _users;
    private readonly FrozenSet<string> _groups;
    private readonly FrozenSet<string> _excludedUsers;
    private readonly FrozenSet<string> _excludedGroups;
    private readonly PreparedRule[] _rules;
    private readonly bool _onlyListedUsers;

    private TargetingMatcher(TargetingRules rules)
    {
        _users = rules.UserIds.ToFrozenSet(StringComparer.Ordinal);
        _groups = rules.Groups.ToFrozenSet(StringComparer.Ordinal);
        _excludedUsers = rules.ExcludedUserIds.ToFrozenSet(StringComparer.Ordinal);
        _excludedGroups = rules.ExcludedGroups.ToFrozenSet(StringComparer.Ordinal);
        _rules = rules.AttributeRules.Select(r => new PreparedRule(r)).ToArray();
        _onlyListedUsers = _users.Count > 0 && _groups.Count == 0 && _rules.Length == 0;
    }

    /// <summary>Null when the rules target every unit, so the hot path can skip targeting entirely.</summary>
    public static TargetingMatcher? Create(TargetingRules rules) => rules.IsEveryone() ? null : new TargetingMatcher(rules);

    public bool Matches(UnitContext context) => Matches(context.UserId, context.Groups, context.Attributes);

    /// <summary>The same, for a unit given by its parts rather than a <see cref="UnitContext"/>.</summary>
    public bool Matches(string userId, IReadOnlyList<string> groups, IReadOnlyDictionary<string, string> attributes)
    {
        if (userId.Length > 0 && _excludedUsers.Contains(userId))
        {
            return false;
        }
        if (_excludedGroups.Count > 0 && AnyIn(groups, _excludedGroups))
        {
            return false;
        }
        if (userId.Length > 0 && _users.Contains(userId))
        {
            return true;
        }
        if (_onlyListedUsers)
        {
            return false;
        }
        if (_groups.Count > 0 && !AnyIn(groups, _groups))
        {
            return false;
        }
        foreach (var rule in _rules)
        {
            if (!rule.Matches(attributes))
            {
                return false;
            }
        }
        return true;
    }

    private static bool AnyIn(IReadOnlyList<string> values, FrozenSet<string> set)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (set.Contains(values[i]))
            {
                return true;
            }
        }
        return false;
    }

    private sealed class PreparedRule(AttributeCondition condition)
    {
        private readonly FrozenSet<string> _set = condition.Values.ToFrozenSet(StringComparer.Ordinal);
        private readonly string _operand = condition.Values.Count > 0 ? condition.Values[0] : "";
        private readonly double _number = condition.Values.Count > 0 && TryParse(condition.Values[0], out var n) ? n : double.NaN;

        public bool Matches(IReadOnlyDictionary<string, string> attributes)
        {
            if (!attributes.TryGetValue(condition.Attribute, out var value))
            {
                return condition.Operator is ConditionOperator.NotIn or ConditionOperator.NotExists;
            }
            return condition.Operator switch
            {
                ConditionOperator.In => _set.Contains(value),
                ConditionOperator.NotIn => !_set.Contains(value),
                ConditionOperator.Contains => value.Contains(_operand, StringComparison.Ordinal),
                ConditionOperator.StartsWith => value.StartsWith(_operand, StringComparison.Ordinal),
                ConditionOperator.EndsWith => value.EndsWith(_operand, StringComparison.Ordinal),
                ConditionOperator.GreaterThan => TryParse(value, out var x) && x > _number,
                ConditionOperator.GreaterThanOrEqual => TryParse(value, out var x) && x >= _number,
                ConditionOperator.LessThan => TryParse(value, out var x) && x < _number,
                ConditionOperator.LessThanOrEqual => TryParse(value, out var x) && x <= _number,
                ConditionOperator.Exists => true,
                _ => false,
            };
        }

        private static bool TryParse(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
