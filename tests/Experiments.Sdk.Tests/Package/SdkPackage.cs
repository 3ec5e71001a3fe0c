using System.IO.Compression;
using System.Xml.Linq;

namespace Experiments.Sdk.Tests.Package;

/// <summary>
/// Experiments.Sdk as <c>dotnet pack</c> makes it, in a local feed: its nuspec and the assemblies it carries.
/// </summary>
internal sealed class SdkPackage
{
    private SdkPackage(string path, string version)
    {
        Path = path;
        Version = version;
        using var zip = ZipFile.OpenRead(path);
        using (var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open())
        {
            Nuspec = XDocument.Load(nuspec);
        }
        Files = zip.Entries.Select(e => e.FullName).ToArray();
    }

    public string Path { get; }

    public string Version { get; }

    public XDocument Nuspec { get; }

    /// <summary>Every file in the package, by its path inside it.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The assemblies the package puts on a net10.0 app's references.</summary>
    public IReadOnlyList<string> LibAssemblies => Files.Where(f => f.StartsWith("lib/net10.0/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal)).ToArray();

    /// <summary>Package dependencies of the net10.0 group, id → version range.</summary>
    public IReadOnlyDictionary<string, string> Dependencies => Nuspec.Descendants()
        .Where(e => e.Name.LocalName == "dependency")
        .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> FrameworkReferences => Nuspec.Descendants()
        .Where(e => e.Name.LocalName == "frameworkReference")
        .Select(e => (string)e.Attribute("name")!)
        .ToArray();

    /// <summary>
    /// Packs the repository's SDK project into <paramref name="feed"/> under <paramref name="version"/>, building it
    /// (and what it references) under <paramref name="artifacts"/> so the repository's own bin and obj stay as they are.
    /// </summary>
    public static async Task<SdkPackage> PackAsync(string feed, string artifacts, string version, TimeSpan timeout)
    {
        var (exitCode, output) = await DotnetCli.RunAsync(Repository.Root, timeout,
            "pack", Repository.SdkProject, "-c", "Release", "-o", feed, "--artifacts-path", artifacts,
            "-p:Version=" + version, "--disable-build-servers");
        var path = System.IO.Path.Combine(feed, "Experiments.Sdk." + version + ".nupkg");
        if (exitCode != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException("dotnet pack failed (exit " + exitCode + "):\n" + output);
        }
        return new SdkPackage(path, version);
    }

    /// <summary>Extracts the lib assemblies into <paramref name="folder"/> and returns their paths.</summary>
    public IReadOnlyList<string> ExtractLibAssemblies(string folder)
    {
        Directory.CreateDirectory(folder);
        using var zip = ZipFile.OpenRead(Path);
        var paths = new List<string>();
        foreach (var entry in LibAssemblies)
        {
            var target = System.IO.Path.Combine(folder, System.IO.Path.GetFileName(entry));
            zip.GetEntry(entry)!.ExtractToFile(target, overwrite: true);
            paths.Add(target);
        }
        return paths;
    }
}
