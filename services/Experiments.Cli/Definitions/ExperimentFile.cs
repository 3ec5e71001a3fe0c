using Experiments.Contracts.V1;
using Google.Protobuf;
using YamlDotNet.Core;

namespace Experiments.Cli.Definitions;

/// <summary>
/// An experiment definition file: an <c>experiments.v1.Experiment</c> in protobuf's JSON mapping, written as JSON
/// (<c>.json</c>) or YAML (anything else). Field names may be the proto's (<c>flag_key</c>) or their JSON names
/// (<c>flagKey</c>); enums are their proto names (<c>KPI_KIND_LATENCY_P99</c>); durations are strings in seconds
/// (<c>"1209600s"</c>) or, in YAML, with a unit (<c>14d</c>). Unknown fields are errors, in YAML with their line.
/// <c>id</c> names the experiment to create or update.
/// </summary>
internal static class ExperimentFile
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static Experiment Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read experiment file {path}: {exception.Message}");
        }
        return Parse(text, IsJson(path), path);
    }

    public static Experiment Parse(string text, bool json, string source)
    {
        string jsonText;
        if (json)
        {
            jsonText = text;
        }
        else
        {
            try
            {
                jsonText = YamlToJson.Convert(text, Experiment.Descriptor);
            }
            catch (YamlException exception)
            {
                var where = exception.Start.Line > 0 ? $", line {exception.Start.Line}" : "";
                throw new CliUsageException($"experiment file {source}{where}: {Innermost(exception)}");
            }
        }
        try
        {
            return Parser.Parse<Experiment>(jsonText);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new CliUsageException($"experiment file {source}: {exception.Message}");
        }
        catch (InvalidJsonException exception)
        {
            throw new CliUsageException($"experiment file {source}: {exception.Message}");
        }
        catch (FormatException exception)
        {
            throw new CliUsageException($"experiment file {source}: {exception.Message}");
        }
    }

    private static bool IsJson(string path) => Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase);

    private static string Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }
        return exception.Message;
    }
}
