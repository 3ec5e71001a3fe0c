using System.CommandLine;
using Experiments.Cli.Commands;

namespace Experiments.Cli;

/// <summary>The <c>exp</c> command tree. <see cref="RunAsync"/> is the whole program, run against a <see cref="CliHost"/>.</summary>
internal static class ExpCli
{
    public static RootCommand Build(CliHost host)
    {
        var globals = new GlobalOptions(host);
        var root = new RootCommand(
            "exp — define experiments, drive their lifecycle, read their verdicts, and see and export recorded client traffic.\n" +
            "Exit codes: 0 ok; 1 usage or bad file; 2 refused (INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED); " +
            "3 NOT_FOUND; 4 UNAUTHENTICATED/PERMISSION_DENIED; 5 UNAVAILABLE/DEADLINE_EXCEEDED; 6 other failures; " +
            "with --exit-code: 0 SHIP, 10 KEEP_RUNNING, 11 INCONCLUSIVE, 12 ROLL_BACK, 13 INVALID.");
        globals.AddTo(root);
        root.Subcommands.Add(DefinitionCommands.Create(globals));
        root.Subcommands.Add(DefinitionCommands.Update(globals));
        root.Subcommands.Add(DefinitionCommands.Validate(globals));
        root.Subcommands.Add(ReadCommands.List(globals));
        root.Subcommands.Add(ReadCommands.Show(globals));
        root.Subcommands.Add(LifecycleCommands.Start(globals));
        root.Subcommands.Add(LifecycleCommands.Stop(globals));
        root.Subcommands.Add(LifecycleCommands.Ramp(globals));
        root.Subcommands.Add(LifecycleCommands.Archive(globals));
        root.Subcommands.Add(ReadCommands.Audit(globals));
        root.Subcommands.Add(VerdictCommands.Verdict(globals));
        root.Subcommands.Add(VerdictCommands.Watch(globals));
        root.Subcommands.Add(TrafficCommands.Build(globals));
        root.Subcommands.Add(ReplayCommand.Create(globals));
        root.Subcommands.Add(ConfigCommand.Build(globals));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = Build(host);
        var configuration = new InvocationConfiguration { Output = host.Out, Error = host.Error };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
