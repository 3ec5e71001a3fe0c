using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf.Reflection;

namespace Experiments.Cli.Rendering;

/// <summary>
/// Short names of proto enum values as people type and read them: <c>EXPERIMENT_STATUS_RUNNING</c> is
/// <c>RUNNING</c>. The prefix is the one of the enum's zero value (<c>EXPERIMENT_STATUS_UNSPECIFIED</c>).
/// </summary>
internal static class Names
{
    private static readonly ConcurrentDictionary<Type, (string Prefix, Dictionary<string, string> ByMember)> Cache = new();

    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var (prefix, byMember) = Describe(typeof(TEnum));
        var member = value.ToString();
        return byMember.TryGetValue(member, out var original) ? original[prefix.Length..] : member;
    }

    /// <summary>Parses a short name (<c>running</c>) or the full proto name, case-insensitively; null when unknown.</summary>
    public static TEnum? Parse<TEnum>(string text)
        where TEnum : struct, Enum
    {
        var (prefix, byMember) = Describe(typeof(TEnum));
        var wanted = text.Trim().Replace('-', '_').ToUpperInvariant();
        foreach (var (member, original) in byMember)
        {
            if (original == wanted || original[prefix.Length..] == wanted)
            {
                return Enum.Parse<TEnum>(member);
            }
        }
        return null;
    }

    /// <summary>The short names of every value except the zero one, for help and error messages.</summary>
    public static IEnumerable<string> All<TEnum>()
        where TEnum : struct, Enum
    {
        var (prefix, byMember) = Describe(typeof(TEnum));
        return byMember.Values.Where(v => !v.EndsWith("_UNSPECIFIED", StringComparison.Ordinal)).Select(v => v[prefix.Length..].ToLowerInvariant());
    }

    private static (string Prefix, Dictionary<string, string> ByMember) Describe(Type type) => Cache.GetOrAdd(type, static type =>
    {
        var byMember = new Dictionary<string, string>(StringComparer.Ordinal);
        string prefix = "";
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var original = field.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? field.Name;
            byMember[field.Name] = original;
            if (Convert.ToInt32(field.GetValue(null), System.Globalization.CultureInfo.InvariantCulture) == 0 && original.EndsWith("UNSPECIFIED", StringComparison.Ordinal))
            {
                prefix = original[..^"UNSPECIFIED".Length];
            }
        }
        return (prefix, byMember);
    });
}
