using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Experiments.Sdk.Http;

/// <summary>
/// The API name of an HTTP request, <c>"{METHOD} {route template}"</c> (e.g. <c>GET /quotes/{symbol}</c>), built
/// once per endpoint and method and then looked up by reference. Requests that matched no endpoint are named
/// <c>"{METHOD} (unmatched)"</c>, so raw paths never become API names.
/// </summary>
internal sealed class ApiNames
{
    private readonly ConcurrentDictionary<Endpoint, PerEndpoint> _byEndpoint = new();
    private readonly ConcurrentDictionary<string, string> _unmatched = new(StringComparer.Ordinal);

    public string For(HttpContext context)
    {
        var method = context.Request.Method;
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return _unmatched.TryGetValue(method, out var name) ? name : _unmatched.GetOrAdd(method, static m => m + " (unmatched)");
        }
        var names = _byEndpoint.TryGetValue(endpoint, out var cached) ? cached : _byEndpoint.GetOrAdd(endpoint, static e => new PerEndpoint(e));
        return names.For(method);
    }

    private sealed class PerEndpoint(Endpoint endpoint)
    {
        private readonly string _route = Route(endpoint);
        private Last? _last;
        private readonly ConcurrentDictionary<string, string> _byMethod = new(StringComparer.Ordinal);

        public string For(string method)
        {
            // Nearly every endpoint serves one method: remember the last one and compare by reference first.
            var last = Volatile.Read(ref _last);
            if (last is not null && (ReferenceEquals(method, last.Method) || method == last.Method))
            {
                return last.Name;
            }
            var name = _byMethod.GetOrAdd(method, static (m, route) => m + " " + route, _route);
            Volatile.Write(ref _last, new Last(method, name));
            return name;
        }

        private static string Route(Endpoint endpoint)
        {
            if (endpoint is RouteEndpoint { RoutePattern.RawText: { } raw })
            {
                return raw.StartsWith('/') ? raw : "/" + raw;
            }
            return endpoint.DisplayName ?? "(endpoint)";
        }

        private sealed record Last(string Method, string Name);
    }
}
