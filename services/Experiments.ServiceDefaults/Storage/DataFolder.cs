using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Experiments.ServiceDefaults.Storage;

/// <summary>
/// The one setting that says where a service keeps its state: <c>Data:Folder</c> (each service its own folder; the
/// launcher gives each <c>DATA/&lt;service&gt;</c>). A relative folder is resolved against the host's content root,
/// never the binary's folder or whatever the working directory happens to be; unset, it is
/// <c>data/&lt;service&gt;</c> under the content root.
/// </summary>
public static class DataFolder
{
    public const string Setting = "Data:Folder";

    /// <summary>The absolute data folder of <paramref name="service"/> (e.g. <c>ingestion</c>).</summary>
    public static string Resolve(IConfiguration configuration, IHostEnvironment environment, string service)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var configured = configuration[Setting];
        var folder = string.IsNullOrWhiteSpace(configured) ? Path.Combine("data", service) : configured;
        return Path.GetFullPath(folder, environment.ContentRootPath);
    }
}
