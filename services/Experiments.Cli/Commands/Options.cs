using System.CommandLine;

namespace Experiments.Cli.Commands;

/// <summary>Arguments and options several commands share.</summary>
internal static class Options
{
    public static Argument<string> Id() => new("id") { Description = "Experiment id" };

    public static Option<long?> Revision() => new("--revision")
    {
        Description = "Revision the change is based on (fails with ABORTED when stale); default: the latest, read first",
    };

    public static Option<bool> ExitCode() => new("--exit-code")
    {
        Description = "Exit with the decision: 0 SHIP, 10 KEEP_RUNNING, 11 INCONCLUSIVE, 12 ROLL_BACK, 13 INVALID, 14 none",
    };
}
