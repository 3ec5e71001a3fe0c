using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>What the caller knows about the unit being served; each experiment takes the id of its unit kind.</summary>
public sealed class UnitContext
{
    /// <summary>No attributes; shared, never modified.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A unit with no ids at all; shared.</summary>
    public static readonly UnitContext Empty = new();

    public string UserId { get; init; } = "";

    public string SessionId { get; init; } = "";

    public string RequestId { get; init; } = "";

    public IReadOnlyList<string> Groups { get; init; } = [];

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = NoAttributes;

    public string IdFor(UnitKind unit) => unit switch
    {
        UnitKind.User => UserId,
        UnitKind.Session => SessionId,
        UnitKind.Request => RequestId,
        _ => "",
    };
}
