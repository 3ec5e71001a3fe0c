namespace Experiments.Sdk.Evaluation;

/// <summary>Where the unit of the request an HttpContext serves is kept while the SDK serves it (see <c>ExperimentsContext.Serve</c>).</summary>
internal sealed class RequestUnitSlot
{
    /// <summary>A user id string, a UnitContext, or null.</summary>
    public object? Value { get; set; }
}
