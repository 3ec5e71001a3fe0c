namespace Experiments.Assignment.Definitions;

/// <summary>
/// A request the definitions domain refuses. Each subclass stands for one gRPC status; the mapping lives in
/// one place (Rpc/DomainErrorInterceptor) so the domain stays free of transport concerns.
/// </summary>
public abstract class DefinitionException(string message) : Exception(message);

/// <summary>The request is malformed: one or more fields are invalid, named by their proto path.</summary>
public sealed class InvalidDefinitionException(IReadOnlyList<FieldViolation> violations)
    : DefinitionException(Describe(violations))
{
    public InvalidDefinitionException(string field, string description)
        : this([new FieldViolation(field, description)])
    {
    }

    public IReadOnlyList<FieldViolation> Violations { get; } = violations;

    /// <summary>Violations as one line, as the exception's message lists them: <c>field: description; field: description</c>.</summary>
    public static string Describe(IEnumerable<FieldViolation> violations) =>
        string.Join("; ", violations.Select(v => v.Field + ": " + v.Description));
}

/// <summary>One invalid field: its path in the request (e.g. <c>experiment.variants[1].key</c>) and what is wrong.</summary>
public sealed record FieldViolation(string Field, string Description);

public sealed class ExperimentNotFoundException(string message) : DefinitionException(message);

public sealed class ExperimentAlreadyExistsException(string message) : DefinitionException(message);

/// <summary>The caller based its change on a revision that is no longer the latest (optimistic concurrency).</summary>
public sealed class StaleRevisionException(string message) : DefinitionException(message);

/// <summary>The change is well-formed but the experiment's state does not allow it.</summary>
public sealed class LifecycleViolationException(string message) : DefinitionException(message);
