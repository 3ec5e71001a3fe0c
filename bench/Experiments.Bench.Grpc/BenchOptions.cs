using System.Globalization;

namespace Experiments.Bench.Grpc;

/// <summary>
/// Settings of a bench run. Defaults: unary, h2load -c 8 -m 32 -t 1, ~5 s of warm-up per endpoint, then 30 rounds
/// of one ~1 s run per endpoint; server streaming, 2 concurrent calls, warm-up, then 6 rounds of ~1 s runs.
/// Many short rounds rather than a few long ones: the two runs of a round see nearly the same machine load.
/// </summary>
internal sealed record BenchOptions
{
    public int Rounds { get; init; } = 30;

    public int DurationSeconds { get; init; } = 1;

    public int WarmUpSeconds { get; init; } = 5;

    public int Connections { get; init; } = 8;

    public int StreamsPerConnection { get; init; } = 32;

    public int StreamingRounds { get; init; } = 6;

    public int StreamingRoundSeconds { get; init; } = 1;

    public int ConcurrentStreams { get; init; } = 2;

    public string H2Load { get; init; } = "/usr/bin/h2load";

    public const string Usage = """
        usage: dotnet run -c Release --project bench/Experiments.Bench.Grpc -- [options]
          --rounds N            measured unary rounds, each one h2load run per endpoint (default 30)
          --duration S          about how many seconds one measured h2load run lasts (default 1)
          --warmup S            about how many seconds of h2load warm-up per endpoint (default 5)
          -c N, -m N            h2load connections and streams per connection (default 8, 32)
          --stream-rounds N     measured server-streaming rounds (default 6)
          --stream-seconds S    about how many seconds one server-streaming run lasts (default 1)
          --streams N           concurrent server-streaming calls (default 2)
          --h2load PATH         the h2load binary (default /usr/bin/h2load)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new UsageException(null);
            }
            if (i + 1 >= args.Length)
            {
                throw new UsageException($"Option {name} needs a value.");
            }
            var value = args[++i];
            options = name switch
            {
                "--rounds" => options with { Rounds = PositiveInt(name, value) },
                "--duration" => options with { DurationSeconds = PositiveInt(name, value) },
                "--warmup" => options with { WarmUpSeconds = PositiveInt(name, value) },
                "-c" => options with { Connections = PositiveInt(name, value) },
                "-m" => options with { StreamsPerConnection = PositiveInt(name, value) },
                "--stream-rounds" => options with { StreamingRounds = PositiveInt(name, value) },
                "--stream-seconds" => options with { StreamingRoundSeconds = PositiveInt(name, value) },
                "--streams" => options with { ConcurrentStreams = PositiveInt(name, value) },
                "--h2load" => options with { H2Load = value },
                _ => throw new UsageException($"Unknown option {name}."),
            };
        }
        return options;
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new UsageException($"Option {name} takes a positive integer, not '{value}'.");
}

/// <summary>Bad command-line arguments; the message (if any) is printed before the usage.</summary>
internal sealed class UsageException(string? message) : Exception(message);
