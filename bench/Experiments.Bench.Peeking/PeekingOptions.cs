using System.Globalization;

namespace Experiments.Bench.Peeking;

/// <summary>Command-line options of the peeking simulation.</summary>
internal sealed record PeekingOptions(
    int Runs,
    int Users,
    int Looks,
    ulong Seed,
    int Parallel,
    TimeSpan MaxDuration,
    int FirstPort,
    IReadOnlyList<Scenario> Scenarios)
{
    public const string Usage =
        "Usage: Experiments.Bench.Peeking [--runs 20] [--users 4000] [--looks 10] [--seed 12] [--parallel 4] [--max-minutes 30]\n"
        + "                                [--port 7600] [--scenarios harm-p99,harm-errors,aa,improvement] (also: harm-p99-at-tolerance)\n"
        + "Starts the launcher (assignment, ingestion, statistics) on loopback ports PORT..PORT+2 (+20..+22 JSON, +79 dashboard)\n"
        + "with a temporary data folder, runs every scenario RUNS times through the services, prints the counts, stops them.";

    public static PeekingOptions Parse(string[] args)
    {
        var scenarios = Option(args, "--scenarios") is { } names
            ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Scenario.Named).ToList()
            : Scenario.All.ToList();
        var options = new PeekingOptions(
            Int(args, "--runs", 20),
            Int(args, "--users", 4000),
            Int(args, "--looks", 10),
            ulong.Parse(Option(args, "--seed") ?? "12", CultureInfo.InvariantCulture),
            Int(args, "--parallel", 4),
            TimeSpan.FromMinutes(double.Parse(Option(args, "--max-minutes") ?? "30", CultureInfo.InvariantCulture)),
            Int(args, "--port", 7600),
            scenarios);
        if (options.Runs < 1 || options.Looks < 1 || options.Users < options.Looks * 2 || options.Parallel < 1 || options.MaxDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException("--runs, --looks and --parallel must be positive, --users at least twice --looks, --max-minutes positive.");
        }
        return options;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return null;
        }
        return index + 1 < args.Length ? args[index + 1] : throw new ArgumentException(name + " needs a value.");
    }
}
