using System.Globalization;
using System.Text;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// How the audit trail writes values, as the rest of the product shows them: enum values by their proto names
/// (<c>KPI_KIND_LATENCY_P99</c>, not <c>LatencyP99</c>) and durations as experiment files write them (<c>14d</c>, <c>36h</c>). The domain's
/// enums carry the proto enums' numbers and member names in PascalCase, so the names follow without a table.
/// </summary>
internal static class ProtoNames
{
    public static string Of(MetricKind value) => Name("KPI_KIND", value);

    public static string Of(MetricRole value) => Name("KPI_ROLE", value);

    public static string Of(ImprovementDirection value) => Name("DESIRED_DIRECTION", value);

    public static string Of(UnitKind value) => Name("RANDOMIZATION_UNIT", value);

    public static string Of(PValueCorrection value) => Name("MULTIPLE_TESTING_CORRECTION", value);

    public static string Of(ConditionOperator value) => Name("ATTRIBUTE_OPERATOR", value);

    /// <summary>
    /// In the largest unit that divides it, as experiment files write durations: <c>14d</c>, <c>36h</c>, <c>90m</c>,
    /// <c>45s</c>, <c>250ms</c>.
    /// </summary>
    public static string Duration(TimeSpan value)
    {
        foreach (var (unit, size) in Units)
        {
            if (value.Ticks % size.Ticks == 0)
            {
                return (value.Ticks / size.Ticks).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return value.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture) + "ms";
    }

    private static readonly (string Unit, TimeSpan Size)[] Units =
        [("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)), ("ms", TimeSpan.FromMilliseconds(1))];

    private static string Name<T>(string prefix, T value)
        where T : struct, Enum
    {
        var pascal = value.ToString();
        var name = new StringBuilder(prefix);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i == 0 || (char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1])))
            {
                name.Append('_');
            }
            name.Append(char.ToUpperInvariant(pascal[i]));
        }
        return name.ToString();
    }
}
