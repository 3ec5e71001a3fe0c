using System.Collections.Concurrent;

namespace Experiments.Sdk.Http;

/// <summary>
/// The API name of an outbound HTTP call, <c>"{dependency} {METHOD} {route template}"</c> (e.g.
/// <c>broker POST /orders/{id}</c>), so raw paths never become API names. The template is the first of the templates
/// given to <c>AddExperimentsTelemetry</c> that matches the path (<c>{name}</c> matches one segment), else the path with
/// every segment that looks like an id — digits, a GUID, a long hex string, anything over 40 characters — written
/// <c>{id}</c>; the query is left out. Names are remembered per method and URI, up to a bound.
/// </summary>
internal sealed class DependencyRoutes(string dependency, IReadOnlyList<string> templates)
{
    private const int MaxRemembered = 4096;

    private readonly ConcurrentDictionary<(HttpMethod Method, string Uri), string> _names = new();
    private readonly string[][] _templates = [.. templates.Select(t => t.Trim('/').Split('/'))];
    private readonly string[] _templateTexts = [.. templates.Select(t => "/" + t.Trim('/'))];

    public string NameOf(HttpMethod method, Uri? uri)
    {
        var key = (method, uri?.OriginalString ?? "");
        if (_names.TryGetValue(key, out var name))
        {
            return name;
        }
        name = dependency + " " + method.Method + " " + Template(uri);
        if (_names.Count < MaxRemembered)
        {
            _names.TryAdd(key, name);
        }
        return name;
    }

    private string Template(Uri? uri)
    {
        if (uri is null)
        {
            return "/";
        }
        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?', '#')[0];
        var segments = path.Trim('/').Split('/');
        for (var t = 0; t < _templates.Length; t++)
        {
            if (Matches(_templates[t], segments))
            {
                return _templateTexts[t];
            }
        }
        return "/" + string.Join('/', segments.Select(s => LooksLikeId(s) ? "{id}" : s));
    }

    private static bool Matches(string[] template, string[] segments)
    {
        if (template.Length != segments.Length)
        {
            return false;
        }
        for (var i = 0; i < template.Length; i++)
        {
            var part = template[i];
            var parameter = part.Length > 1 && part[0] == '{' && part[^1] == '}';
            if (!parameter && !string.Equals(part, segments[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    private static bool LooksLikeId(string segment) =>
        segment.Length > 40
        || (segment.Length > 0 && segment.All(char.IsAsciiDigit))
        || Guid.TryParse(segment, out _)
        || (segment.Length >= 16 && segment.All(char.IsAsciiHexDigit));
}
