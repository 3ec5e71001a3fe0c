using System.Globalization;

namespace Experiments.Bench.Ingestion;

/// <summary>
/// Settings of a run. Defaults: 4 streams with 4 batches of 1,000 events in flight each, 8 s of warm-up,
/// 20 s at the peak, 20 s at half the peak for latency; data in a fresh temp folder.
/// </summary>
internal sealed record BenchOptions
{
    public int Streams { get; init; } = 4;

    public int Window { get; init; } = 4;

    public int BatchEvents { get; init; } = 1_000;

    public int WarmUpSeconds { get; init; } = 8;

    public int PeakSeconds { get; init; } = 20;

    public int LatencySeconds { get; init; } = 20;

    public string? DataPath { get; init; }

    /// <summary>Seconds of each flood (issue #15 item 10); 0: the throughput run instead.</summary>
    public int FloodSeconds { get; init; }

    public int FloodConnections { get; init; } = 3;

    public int FloodConcurrency { get; init; } = 32;

    public const string Usage = """
        usage: dotnet run -c Release --project bench/Experiments.Bench.Ingestion -- [options]
          --streams N     concurrent IngestStream calls (default 4)
          --window N      batches in flight per stream (default 4)
          --batch N       events per batch (default 1000)
          --warmup S      seconds of warm-up at full load (default 8)
          --peak S        seconds measured at full load (default 20)
          --latency S     seconds measured at half the peak rate (default 20)
          --data DIR      the service's data folder (default: a fresh temp folder, deleted afterwards)
          --flood S       instead: flood for S seconds with ~3.9 MB IngestBatch calls ignoring pushback, once with
                          the pre-issue-#15 limits and once with the defaults, and compare the service's memory
          --connections N connections of the flood (default 3)
          --concurrency N concurrent calls per connection of the flood (default 32)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help" || i + 1 >= args.Length)
            {
                throw new ArgumentException(name is "-h" or "--help" ? "" : $"Option {name} needs a value.");
            }
            var value = args[++i];
            options = name switch
            {
                "--streams" => options with { Streams = Positive(name, value) },
                "--window" => options with { Window = Positive(name, value) },
                "--batch" => options with { BatchEvents = Positive(name, value) },
                "--warmup" => options with { WarmUpSeconds = Positive(name, value) },
                "--peak" => options with { PeakSeconds = Positive(name, value) },
                "--latency" => options with { LatencySeconds = Positive(name, value) },
                "--data" => options with { DataPath = value },
                "--flood" => options with { FloodSeconds = Positive(name, value) },
                "--connections" => options with { FloodConnections = Positive(name, value) },
                "--concurrency" => options with { FloodConcurrency = Positive(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }
        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"Option {name} takes a positive integer, not '{value}'.");
}
