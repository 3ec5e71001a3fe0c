namespace Experiments.Assignment.Definitions;

/// <summary>A condition on one context attribute, e.g. <c>region IN [eu-west, eu-north]</c>.</summary>
public sealed record AttributeCondition(string Attribute, ConditionOperator Operator, IReadOnlyList<string> Values);

public enum ConditionOperator
{
    In = 1,
    NotIn = 2,
    Contains = 3,
    StartsWith = 4,
    EndsWith = 5,
    GreaterThan = 6,
    GreaterThanOrEqual = 7,
    LessThan = 8,
    LessThanOrEqual = 9,
    Exists = 10,
    NotExists = 11,
}
