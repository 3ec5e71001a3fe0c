namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Which scope each gRPC method needs: by full method path (<c>/pkg.Service/Method</c>) or for a whole
/// service (<c>pkg.Service</c>). Methods not listed are open (health, reflection).
/// </summary>
public sealed class MethodScopes
{
    private readonly Dictionary<string, string> _byMethod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byService = new(StringComparer.Ordinal);

    public MethodScopes RequireForService(string serviceFullName, string scope)
    {
        _byService[serviceFullName] = scope;
        return this;
    }

    public MethodScopes RequireForMethod(string serviceFullName, string methodName, string scope)
    {
        _byMethod["/" + serviceFullName + "/" + methodName] = scope;
        return this;
    }

    /// <summary>The scope a method path needs, or null when it is open.</summary>
    public string? ScopeFor(string methodPath)
    {
        if (_byMethod.TryGetValue(methodPath, out var scope))
        {
            return scope;
        }
        var slash = methodPath.LastIndexOf('/');
        return slash > 1 && _byService.TryGetValue(methodPath[1..slash], out scope) ? scope : null;
    }
}
