using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Cli.Replay;

/// <summary>
/// A capture file: JSON Lines, one CapturedExchange per line in the protobuf JSON mapping (what
/// <c>exp traffic export --format jsonl</c> writes). Blank lines are skipped; a bad line is a usage error naming it.
/// </summary>
internal static class CaptureFile
{
    // Fields added to the contract later must not make an older exp refuse a newer file.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static List<CapturedExchange> Read(string path, int limit)
    {
        if (!File.Exists(path))
        {
            throw new CliUsageException($"--capture: no such file '{path}'");
        }
        var exchanges = new List<CapturedExchange>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                exchanges.Add(Parser.Parse<CapturedExchange>(line));
            }
            catch (InvalidProtocolBufferException exception)
            {
                throw new CliUsageException($"{path}:{number}: not a CapturedExchange in the protobuf JSON mapping: {exception.Message}");
            }
            catch (InvalidJsonException exception)
            {
                throw new CliUsageException($"{path}:{number}: not JSON: {exception.Message}");
            }
            if (exchanges.Count >= limit)
            {
                break;
            }
        }
        return exchanges;
    }
}
