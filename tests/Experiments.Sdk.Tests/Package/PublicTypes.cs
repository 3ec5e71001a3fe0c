using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Experiments.Sdk.Tests.Package;

/// <summary>
/// The top-level public types an assembly defines, read from its metadata (System.Reflection.Metadata, nothing
/// loaded): two assemblies an app references that define the same one are what the compiler rejects with CS0433.
/// </summary>
internal static class PublicTypes
{
    /// <summary>Full names of the assembly's top-level public types; empty for a file that is not a managed assembly.</summary>
    public static IReadOnlySet<string> Of(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            return new HashSet<string>();
        }
        var metadata = pe.GetMetadataReader();
        if (!metadata.IsAssembly)
        {
            return new HashSet<string>();
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(handle);
            if (type.GetDeclaringType().IsNil && (type.Attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public)
            {
                var ns = metadata.GetString(type.Namespace);
                var name = metadata.GetString(type.Name);
                names.Add(ns.Length == 0 ? name : ns + "." + name);
            }
        }
        return names;
    }

    /// <summary>Each public type of <paramref name="ours"/> that an assembly of <paramref name="theirs"/> defines too, with where.</summary>
    public static IReadOnlyList<string> Shared(IEnumerable<string> ours, IEnumerable<string> theirs)
    {
        var owned = ours.SelectMany(path => Of(path).Select(type => (Type: type, Assembly: Path.GetFileName(path))))
            .GroupBy(t => t.Type, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Assembly, StringComparer.Ordinal);
        var shared = new List<string>();
        foreach (var path in theirs)
        {
            foreach (var type in Of(path))
            {
                if (owned.TryGetValue(type, out var assembly))
                {
                    shared.Add($"{type} in {assembly} and {path}");
                }
            }
        }
        return shared;
    }
}
