using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// The dashboard's pages, scripts and styles, embedded in the assembly (Dashboard/Assets): the service serves them
/// from wherever it runs, with no CDN and no content root.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "Dashboard.Assets.";

    private static readonly FrozenDictionary<string, Asset> All = Load();

    public static Asset? Find(string name) => All.GetValueOrDefault(name);

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var name = resource[Prefix.Length..];
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            assets[name] = new Asset(bytes, ContentType(name), etag);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
