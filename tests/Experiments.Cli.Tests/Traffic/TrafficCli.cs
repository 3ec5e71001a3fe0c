using System.Collections;
using Experiments.Cli.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// Runs <c>exp</c> in process against a <see cref="CapturesDouble"/> served in memory at <see cref="IngestionUrl"/>,
/// capturing stdout and stderr, with the test's own (empty) environment and a fresh working directory.
/// </summary>
public sealed class TrafficCli : IAsyncDisposable
{
    public const string IngestionUrl = "http://ingestion.test:5102";

    private readonly GrpcTestServer _server;

    private TrafficCli(GrpcTestServer server, string directory)
    {
        _server = server;
        Directory = directory;
        Captures = server.Services.GetRequiredService<CapturesDouble>();
    }

    public CapturesDouble Captures { get; }

    public string Directory { get; }

    public Dictionary<string, string> Environment { get; } = [];

    public List<Uri> Connections { get; } = [];

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public static async Task<TrafficCli> StartAsync()
    {
        var server = await new CapturesDouble().StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "exp-cli-traffic-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return new TrafficCli(server, directory);
    }

    /// <summary>Runs <c>exp</c> with the double's address as <c>--ingestion-url</c>, unless the test sets it otherwise.</summary>
    public Task<CliResult> RunAsync(params string[] args) => RunRawAsync(["--ingestion-url", IngestionUrl, .. args]);

    public async Task<CliResult> RunRawAsync(string[] args)
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
                return _server.CreateChannel();
            },
        };
        var exitCode = await ExpCli.RunAsync(args, host);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Directory, name);
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
