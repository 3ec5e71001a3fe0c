using System.Xml.Linq;

namespace Experiments.Sdk.Tests.Package;

/// <summary>The repository the tests run from: where the SDK's project is, and the versions it pins centrally.</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Experiments.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (Experiments.sln) above " + AppContext.BaseDirectory);
        }
    }

    public static string SdkProject => Path.Combine(Root, "services", "Experiments.Sdk", "Experiments.Sdk.csproj");

    /// <summary>The version Directory.Packages.props pins for <paramref name="package"/>.</summary>
    public static string PinnedVersion(string package)
    {
        var pins = XDocument.Load(Path.Combine(Root, "Directory.Packages.props"));
        return pins.Descendants("PackageVersion")
            .Where(p => string.Equals((string?)p.Attribute("Include"), package, StringComparison.OrdinalIgnoreCase))
            .Select(p => (string?)p.Attribute("Version"))
            .FirstOrDefault() ?? throw new InvalidOperationException(package + " has no PackageVersion in Directory.Packages.props");
    }
}
