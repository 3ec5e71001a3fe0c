using System.Collections;
using System.CommandLine;
using Experiments.Cli.Commands;
using Experiments.Cli.Tests.Support;
using Grpc.Net.Client;
using Spectre.Console;

namespace Experiments.Cli.Tests.Replay;

/// <summary>
/// Runs <c>exp replay</c> in process: a root command with the global options and <see cref="ReplayCommand"/> (the
/// coordinator adds it to <c>exp</c>'s own tree), real sockets to every address, output captured.
/// </summary>
internal static class ReplayCli
{
    public static Task<CliResult> RunAsync(IDictionary<string, string> environment, params string[] args) => RunAsync(environment, null, args);

    /// <summary>Runs with <paramref name="channels"/> opening the channel of each address (null: real sockets).</summary>
    public static async Task<CliResult> RunAsync(IDictionary<string, string> environment, Func<Uri, GrpcChannel>? channels, params string[] args)
    {
        using var stdout = new CapturingWriter();
        using var stderr = new CapturingWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(stdout),
        });
        console.Profile.Width = 160;
        var directory = Path.Combine(Path.GetTempPath(), "exp-replay-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var host = new CliHost
        {
            Console = console,
            Out = stdout,
            Error = stderr,
            GetEnvironmentVariable = CliHost.Variables((IDictionary)environment),
            WorkingDirectory = directory,
            HomeDirectory = directory,
            CreateChannel = channels ?? (static address => GrpcChannel.ForAddress(address)),
        };
        var globals = new GlobalOptions(host);
        var root = new RootCommand("exp (replay only)");
        globals.AddTo(root);
        root.Subcommands.Add(ReplayCommand.Create(globals));
        var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }
}
