using System.Collections;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace Experiments.Cli;

/// <summary>
/// Everything <c>exp</c> takes from its surroundings: where it writes, the environment, the directories it looks
/// for a config file in, and how it connects to an address. The process uses the real ones; tests substitute theirs.
/// </summary>
internal sealed class CliHost
{
    /// <summary>Human-readable output (tables, panels, live displays).</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Machine-readable output (<c>--json</c>), written verbatim.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Errors, one message per failure.</summary>
    public required TextWriter Error { get; init; }

    public required Func<string, string?> GetEnvironmentVariable { get; init; }

    /// <summary>Where <c>./exp.yaml</c> is looked for.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The user's home, for <c>~/.config/exp/config.yaml</c>; null when unknown.</summary>
    public string? HomeDirectory { get; init; }

    /// <summary>The value of <c>XDG_CONFIG_HOME</c>, when set, replaces <c>~/.config</c>.</summary>
    public string? ConfigHome { get; init; }

    /// <summary>The clock relative times (<c>--as-of yesterday</c>) count from.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Opens a channel to a server address.</summary>
    public Func<Uri, GrpcChannel> CreateChannel { get; init; } = static address => GrpcChannel.ForAddress(address);

    public static CliHost ForProcess()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new CliHost
        {
            Console = System.Console.IsOutputRedirected ? RedirectedConsole() : AnsiConsole.Console,
            Out = System.Console.Out,
            Error = System.Console.Error,
            GetEnvironmentVariable = Environment.GetEnvironmentVariable,
            WorkingDirectory = Directory.GetCurrentDirectory(),
            HomeDirectory = home.Length == 0 ? null : home,
            ConfigHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"),
        };
    }

    /// <summary>
    /// A console for a pipe or a file: no colours or cursor moves, lines of 120 columns (or <c>COLUMNS</c> when the
    /// shell exports it), which tables wrap to fit — a pipe has no width of its own to ask.
    /// </summary>
    private static IAnsiConsole RedirectedConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns >= 40 ? columns : 120;
        return console;
    }

    /// <summary>Environment variables from a dictionary (tests).</summary>
    public static Func<string, string?> Variables(IDictionary variables) =>
        name => variables.Contains(name) ? variables[name] as string : null;
}
