using System.Runtime.CompilerServices;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Evaluation;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk;

/// <summary>
/// The unit being served on the current asynchronous flow: set by the SDK's middleware and gRPC interceptor for
/// each request, read by the SDK's <c>IVariantFeatureManager</c> (and so by variant services). Outside a request,
/// e.g. in a background job, <c>ForUnit</c> sets it for a block of code.
/// </summary>
/// <remarks>
/// When the app registers <see cref="IHttpContextAccessor"/> (<c>services.AddHttpContextAccessor()</c>), a request's
/// unit is found through the accessor and costs the request no allocation; otherwise it is written to the flow's
/// <see cref="ExecutionContext"/> once per request. Either way it is served until the middleware (or the
/// interceptor) is done with the request: work that outlives it should capture the unit with <c>ForUnit</c>.
/// </remarks>
public static class ExperimentsContext
{
    private static readonly AsyncLocal<object?> Unit = new();

    // Reads what ASP.NET Core's hosting sets for each request when an IHttpContextAccessor is registered: every
    // HttpContextAccessor shares one static AsyncLocal, so this instance sees the app's.
    private static readonly HttpContextAccessor Requests = new();

    // The unit of the request an HttpContext is serving, while the middleware or the interceptor serves it.
    private static readonly ConditionalWeakTable<HttpContext, RequestUnitSlot> RequestUnits = new();

    /// <summary>The user id being served on this flow, or an empty string.</summary>
    public static string CurrentUserId => Current.UserId;

    /// <summary>The unit on this flow: one set by <c>ForUnit</c> or the interceptor first, then the request's.</summary>
    internal static ServedUnit Current
    {
        get
        {
            var value = Unit.Value;
            if (value is not null)
            {
                return new ServedUnit(value);
            }
            return Requests.HttpContext is { } request && RequestUnits.TryGetValue(request, out var slot) ? new ServedUnit(slot.Value) : default;
        }
    }

    /// <summary>
    /// Serves <paramref name="userId"/> (and <paramref name="sessionId"/>, <paramref name="requestId"/>) on this
    /// flow until the returned scope is disposed.
    /// </summary>
    public static IDisposable ForUnit(string userId, string? sessionId = null, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return ForUnit(userId, sessionId, requestId, groups: null, attributes: null);
    }

    /// <summary>
    /// Serves a unit with <paramref name="groups"/> and <paramref name="attributes"/> for targeting on this flow
    /// until the returned scope is disposed.
    /// </summary>
    public static IDisposable ForUnit(string userId, string? sessionId, string? requestId, IEnumerable<string>? groups, IReadOnlyDictionary<string, string>? attributes)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var previous = Unit.Value;
        Unit.Value = new UnitContext
        {
            UserId = userId,
            SessionId = sessionId ?? "",
            RequestId = requestId ?? "",
            Groups = groups?.ToArray() ?? [],
            Attributes = attributes is null ? UnitContext.NoAttributes : new Dictionary<string, string>(attributes, StringComparer.Ordinal),
        };
        return new Scope(previous);
    }

    /// <summary>
    /// Serves <paramref name="unit"/> (a user id string or a <see cref="UnitContext"/>) to the code <paramref name="context"/>
    /// runs next, until the returned slot is cleared: through the app's IHttpContextAccessor when it carries this
    /// request and no unit was set on the flow around it (then the slot holds the unit), otherwise on the flow
    /// (then the slot is null; call this from an async method, which puts the flow back after).
    /// </summary>
    internal static RequestUnitSlot? Serve(HttpContext context, object? unit)
    {
        if (Unit.Value is null && ReferenceEquals(Requests.HttpContext, context))
        {
            // Kestrel reuses an HttpContext for the requests of a connection (or stream): its slot is found again,
            // so after the first request this allocates nothing and, unlike a feature, does not make the request's
            // features be looked up again.
            if (!RequestUnits.TryGetValue(context, out var slot))
            {
                slot = RequestUnits.GetValue(context, static _ => new RequestUnitSlot());
            }
            slot.Value = unit;
            return slot;
        }
        if (unit is not null)
        {
            Unit.Value = unit;
        }
        return null;
    }

    private sealed class Scope(object? previous) : IDisposable
    {
        public void Dispose() => Unit.Value = previous;
    }
}
