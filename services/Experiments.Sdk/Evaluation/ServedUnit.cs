using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// The unit a request serves, as the hot path carries it: its user id string alone (the usual case: a request with
/// only a user id allocates nothing for it), or a <see cref="UnitContext"/> when it has more (a session or request
/// id, groups, attributes). Both are immutable, so work that outlives the request never sees another unit.
/// </summary>
internal readonly struct ServedUnit
{
    private readonly object? _value;

    public ServedUnit(object? value)
    {
        System.Diagnostics.Debug.Assert(value is null or string or UnitContext);
        _value = value;
    }

    public static ServedUnit None => default;

    /// <summary>The string or <see cref="UnitContext"/> behind this unit; null for none.</summary>
    public object? Value => _value;

    public bool IsNone => _value is null;

    public string UserId => _value as string ?? (_value as UnitContext)?.UserId ?? "";

    public string SessionId => (_value as UnitContext)?.SessionId ?? "";

    public string RequestId => (_value as UnitContext)?.RequestId ?? "";

    public IReadOnlyList<string> Groups => (_value as UnitContext)?.Groups ?? [];

    public IReadOnlyDictionary<string, string> Attributes => (_value as UnitContext)?.Attributes ?? UnitContext.NoAttributes;

    public string IdFor(UnitKind unit) => _value switch
    {
        string user => unit == UnitKind.User ? user : "",
        UnitContext context => context.IdFor(unit),
        _ => "",
    };

    /// <summary>Evaluates <paramref name="experiment"/> for this unit.</summary>
    public AssignmentDecision Evaluate(CompiledExperiment experiment) => _value switch
    {
        string user => experiment.Evaluate(experiment.Definition.Unit == UnitKind.User ? user : "", user, [], UnitContext.NoAttributes),
        UnitContext context => experiment.Evaluate(context),
        _ => experiment.Evaluate(UnitContext.Empty),
    };
}
