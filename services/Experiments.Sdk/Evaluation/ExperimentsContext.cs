using Experiments.Assignment.Evaluation;

namespace Experiments.Sdk;

/// <summary>
/// The unit being served on the current asynchronous flow: set by the SDK's middleware and gRPC interceptor for
/// each request, read by the SDK's <c>IVariantFeatureManager</c> (and so by variant services). Outside a request,
/// e.g. in a background job, <see cref="ForUnit"/> sets it for a block of code.
/// </summary>
public static class ExperimentsContext
{
    private static readonly AsyncLocal<UnitContext?> Unit = new();

    internal static UnitContext? Current
    {
        get => Unit.Value;
        set => Unit.Value = value;
    }

    /// <summary>The user id being served on this flow, or an empty string.</summary>
    public static string CurrentUserId => Unit.Value?.UserId ?? "";

    /// <summary>
    /// Serves <paramref name="userId"/> (and <paramref name="sessionId"/>, <paramref name="requestId"/>) on this
    /// flow until the returned scope is disposed.
    /// </summary>
    public static IDisposable ForUnit(string userId, string? sessionId = null, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var previous = Unit.Value;
        Unit.Value = new UnitContext { UserId = userId, SessionId = sessionId ?? "", RequestId = requestId ?? "" };
        return new Scope(previous);
    }

    private sealed class Scope(UnitContext? previous) : IDisposable
    {
        public void Dispose() => Unit.Value = previous;
    }
}
