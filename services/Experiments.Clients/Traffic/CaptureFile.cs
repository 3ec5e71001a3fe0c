using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Clients.Traffic;

/// <summary>
/// A capture file: JSON Lines, one <see cref="CapturedExchange"/> per line in protobuf's JSON mapping (default
/// <see cref="JsonFormatter"/> settings, bytes as base64). <c>exp traffic export --format jsonl</c> writes it,
/// <c>exp replay --capture</c> reads it.
/// </summary>
public static class CaptureFile
{
    /// <summary>Writes <paramref name="exchanges"/> one per line; returns how many.</summary>
    public static int Write(TextWriter writer, IEnumerable<CapturedExchange> exchanges)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(exchanges);
        var count = 0;
        foreach (var exchange in exchanges)
        {
            writer.Write(JsonFormatter.Default.Format(exchange));
            writer.Write('\n');
            count++;
        }
        return count;
    }

    /// <summary>The exchanges of a capture file, in order; blank lines are skipped.</summary>
    /// <exception cref="FormatException">A line is not a CapturedExchange; the message names the line.</exception>
    public static IEnumerable<CapturedExchange> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadLines(reader);
    }

    private static IEnumerable<CapturedExchange> ReadLines(TextReader reader)
    {
        var parser = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            CapturedExchange exchange;
            try
            {
                exchange = parser.Parse<CapturedExchange>(line);
            }
            catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
            {
                throw new FormatException($"line {number}: not a captured exchange ({exception.Message})", exception);
            }
            yield return exchange;
        }
    }
}
