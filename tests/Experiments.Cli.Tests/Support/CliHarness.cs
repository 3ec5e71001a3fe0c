using System.Collections;
using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Experiments.Cli.Tests.Support;

/// <summary>What one run of <c>exp</c> produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs <c>exp</c>'s command tree in process against in-memory doubles of ExperimentAdmin and Statistics (one
/// <see cref="GrpcTestServer"/> serving both), capturing stdout and stderr. The environment and the home and working
/// directories are the test's own, empty unless set.
/// </summary>
public sealed class CliHarness : IAsyncDisposable
{
    public const string AssignmentUrl = "http://assignment.test:5101";
    public const string StatisticsUrl = "http://statistics.test:5103";

    private readonly GrpcTestServer _server;

    private CliHarness(GrpcTestServer server, string directory)
    {
        _server = server;
        Directory = directory;
        Admin = server.Services.GetRequiredService<FakeExperimentAdmin>();
        Statistics = server.Services.GetRequiredService<FakeStatistics>();
    }

    public FakeExperimentAdmin Admin { get; }

    public FakeStatistics Statistics { get; }

    /// <summary>A fresh directory used as working directory and home.</summary>
    public string Directory { get; }

    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Columns of the console tables are fitted to: 120, what <c>exp</c> gives a pipe.</summary>
    public int ConsoleWidth { get; set; } = 120;

    /// <summary>The clock <c>exp</c> reads (relative <c>--as-of</c> times).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Standard output of the run in progress, readable while it runs.</summary>
    public CapturingWriter? CurrentStdout { get; private set; }

    /// <summary>The addresses each channel was opened to.</summary>
    public List<Uri> Connections { get; } = [];

    public static async Task<CliHarness> StartAsync()
    {
        var server = await GrpcTestServer.StartAsync(
            services => services.AddSingleton<FakeExperimentAdmin>().AddSingleton<FakeStatistics>(),
            app =>
            {
                app.MapGrpcService<FakeExperimentAdmin>();
                app.MapGrpcService<FakeStatistics>();
            });
        var directory = Path.Combine(Path.GetTempPath(), "exp-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return new CliHarness(server, directory);
    }

    /// <summary>Runs <c>exp</c> with the doubles' addresses prepended to <paramref name="args"/>.</summary>
    public Task<CliResult> RunAsync(params string[] args) =>
        RunRawAsync(["--assignment-url", AssignmentUrl, "--statistics-url", StatisticsUrl, .. args]);

    /// <summary>Runs <c>exp</c> with exactly <paramref name="args"/>.</summary>
    public async Task<CliResult> RunRawAsync(string[] args, CancellationToken cancellationToken = default)
    {
        using var stdout = new CapturingWriter();
        using var stderr = new CapturingWriter();
        CurrentStdout = stdout;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(stdout),
        });
        console.Profile.Width = ConsoleWidth;
        var host = new CliHost
        {
            Console = console,
            Out = stdout,
            Error = stderr,
            GetEnvironmentVariable = CliHost.Variables((IDictionary)Environment),
            WorkingDirectory = Directory,
            HomeDirectory = Directory,
            Time = Time,
            CreateChannel = address =>
            {
                lock (Connections)
                {
                    Connections.Add(address);
                }
                // The doubles answer the *.test addresses; any other address is a real socket.
                return address.Host.EndsWith(".test", StringComparison.Ordinal) ? _server.CreateChannel() : GrpcChannel.ForAddress(address);
            },
        };
        var exitCode = await ExpCli.RunAsync(args, host, cancellationToken);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
