using System.CommandLine;
using Experiments.Cli.Configuration;
using Grpc.Core;

namespace Experiments.Cli;

/// <summary>The options every command takes, and the wrapper that runs a command's handler with them.</summary>
internal sealed class GlobalOptions
{
    private readonly CliHost _host;

    public GlobalOptions(CliHost host)
    {
        _host = host;
    }

    public Option<string?> AssignmentUrl { get; } = new("--assignment-url")
    {
        Description = "Address of the assignment service (ExperimentAdmin) [env EXP_ASSIGNMENT_URL; default http://127.0.0.1:5101]",
        Recursive = true,
    };

    public Option<string?> StatisticsUrl { get; } = new("--statistics-url")
    {
        Description = "Address of the statistics service [env EXP_STATISTICS_URL; default http://127.0.0.1:5103]",
        Recursive = true,
    };

    public Option<string?> IngestionUrl { get; } = new("--ingestion-url")
    {
        Description = "Address of the ingestion service, which serves recorded traffic (exp traffic) [env EXP_INGESTION_URL; default http://127.0.0.1:5102]",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "API key sent as 'authorization: Bearer KEY' [env EXP_API_KEY; default dev-local-key for loopback servers]",
        Recursive = true,
    };

    public Option<string?> Timeout { get; } = new("--timeout")
    {
        Description = "Deadline of each call, e.g. 30s, 2m [env EXP_TIMEOUT; default 30s]",
        Recursive = true,
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "Config file to read instead of ./exp.yaml and ~/.config/exp/config.yaml [env EXP_CONFIG]",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write protobuf JSON (one object per line) instead of tables, and errors as JSON on stderr",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(AssignmentUrl);
        command.Options.Add(StatisticsUrl);
        command.Options.Add(IngestionUrl);
        command.Options.Add(ApiKey);
        command.Options.Add(Timeout);
        command.Options.Add(Config);
        command.Options.Add(Json);
    }

    /// <summary>Sets <paramref name="command"/>'s action to run <paramref name="handler"/> with a context, mapping failures to exit codes.</summary>
    public void SetHandler(Command command, Func<CliContext, ParseResult, Task<int>> handler)
    {
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, handler, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, Func<CliContext, ParseResult, Task<int>> handler, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(Json);
        CliContext? context = null;
        try
        {
            var settings = CliSettingsResolver.Resolve(_host, new GlobalOptionValues(
                parseResult.GetValue(AssignmentUrl),
                parseResult.GetValue(StatisticsUrl),
                parseResult.GetValue(ApiKey),
                parseResult.GetValue(Timeout),
                parseResult.GetValue(Config),
                parseResult.GetValue(IngestionUrl)));
            context = new CliContext(_host, settings, json, cancellationToken);
            return await handler(context, parseResult).ConfigureAwait(false);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return 130;
        }
        catch (Exception exception)
        {
            return ErrorReporter.Report(_host, json, exception, context);
        }
        finally
        {
            context?.Dispose();
        }
    }
}
