using Experiments.Clients;
using System.CommandLine;
using Experiments.Cli.Rendering;
using Experiments.Contracts.V1;
using Spectre.Console;

namespace Experiments.Cli.Commands;

/// <summary><c>exp list</c>, <c>exp show</c> and <c>exp audit</c>.</summary>
internal static class ReadCommands
{
    public static Command List(GlobalOptions globals)
    {
        var status = new Option<string[]>("--status")
        {
            Description = $"Only these states ({string.Join(", ", Names.All<ExperimentStatus>())}); default: all but archived",
            AllowMultipleArgumentsPerToken = true,
        };
        var layer = new Option<string?>("--layer") { Description = "Only experiments in this layer" };
        var flag = new Option<string?>("--flag") { Description = "Only experiments on this flag key" };
        var command = new Command("list", "List experiments, newest first") { status, layer, flag };
        globals.SetHandler(command, async (context, parse) =>
        {
            var request = new ListExperimentsRequest { Layer = parse.GetValue(layer) ?? "", FlagKey = parse.GetValue(flag) ?? "", PageSize = 200 };
            foreach (var name in (parse.GetValue(status) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                var value = Names.Parse<ExperimentStatus>(name);
                if (value is null or ExperimentStatus.Unspecified)
                {
                    throw new CliUsageException($"unknown status '{name}' (expected {string.Join(", ", Names.All<ExperimentStatus>())})");
                }
                request.Statuses.Add(value.Value);
            }
            var all = new ListExperimentsResponse();
            await foreach (var experiment in context.Admin.ListAllExperimentsAsync(request, context.Unary()).WithCancellation(context.CancellationToken).ConfigureAwait(false))
            {
                all.Experiments.Add(experiment);
            }
            if (context.Json)
            {
                context.WriteJson(all);
            }
            else if (all.Experiments.Count == 0)
            {
                context.Console.WriteLine("No experiments.");
            }
            else
            {
                context.Console.Write(ExperimentViews.List(all.Experiments));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Show(GlobalOptions globals)
    {
        var id = Options.Id();
        var revision = new Option<long?>("--revision") { Description = "A past revision instead of the latest" };
        var command = new Command("show", "Show an experiment's definition and state") { id, revision };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experiment = await context.Admin.GetExperimentAsync(
                new GetExperimentRequest { Id = parse.GetRequiredValue(id), Revision = parse.GetValue(revision) ?? 0 },
                context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(experiment);
            }
            else
            {
                context.Console.Write(ExperimentViews.Detail(experiment));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Audit(GlobalOptions globals)
    {
        var id = new Argument<string?>("id") { Description = "Experiment id; omit for every experiment", Arity = ArgumentArity.ZeroOrOne };
        var limit = new Option<int?>("--limit") { Description = "At most this many entries, newest first; default: all" };
        var command = new Command("audit", "Show the audit trail: who changed what, when, and why") { id, limit };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetValue(id) ?? "";
            var max = parse.GetValue(limit) ?? int.MaxValue;
            if (max <= 0)
            {
                throw new CliUsageException("--limit must be positive");
            }
            var all = new ListAuditEntriesResponse();
            var request = new ListAuditEntriesRequest { ExperimentId = experimentId, PageSize = Math.Min(max, 1000) };
            do
            {
                var page = await context.Admin.ListAuditEntriesAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
                all.AuditEntries.AddRange(page.AuditEntries.Take(max - all.AuditEntries.Count));
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && all.AuditEntries.Count < max);
            if (context.Json)
            {
                context.WriteJson(all);
            }
            else if (all.AuditEntries.Count == 0)
            {
                context.Console.WriteLine("No audit entries.");
            }
            else
            {
                context.Console.Write(ExperimentViews.Audit(all.AuditEntries, showExperiment: experimentId.Length == 0));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
