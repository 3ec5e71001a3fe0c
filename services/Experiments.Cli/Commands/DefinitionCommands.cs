using System.CommandLine;
using Experiments.Cli.Definitions;
using Experiments.Cli.Rendering;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;

namespace Experiments.Cli.Commands;

/// <summary><c>exp create</c>, <c>exp update</c> and <c>exp validate</c>: experiments from definition files.</summary>
internal static class DefinitionCommands
{
    public static Command Create(GlobalOptions globals)
    {
        var file = FileOption();
        var id = IdOption();
        var command = new Command("create", "Create an experiment (DRAFT, revision 1) from a YAML or JSON definition file") { file, id };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experiment = ExperimentFile.Load(parse.GetRequiredValue(file));
            var experimentId = parse.GetValue(id) ?? experiment.Id;
            experiment.Id = "";
            var created = await context.Admin.CreateExperimentAsync(
                new CreateExperimentRequest { Experiment = experiment, ExperimentId = experimentId }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(created);
            }
            else
            {
                context.Console.MarkupLine($"Created experiment [bold]{Markup.Escape(created.Id)}[/] (revision {created.Revision}, {ExperimentViews.StatusMarkup(created.Status)}).");
                context.Console.MarkupLine($"Start it with: [bold]exp start {Markup.Escape(created.Id)}[/]");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Update(GlobalOptions globals)
    {
        var file = FileOption();
        var id = IdOption();
        var revision = Options.Revision();
        var fields = new Option<string[]>("--fields")
        {
            Description = "Replace only these fields (proto names, e.g. description,kpis); default: every mutable field",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("update", "Replace an experiment's definition with a file's (all mutable fields, or --fields)") { file, id, revision, fields };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experiment = ExperimentFile.Load(parse.GetRequiredValue(file));
            experiment.Id = parse.GetValue(id) ?? experiment.Id;
            if (experiment.Id.Length == 0)
            {
                throw new CliUsageException("the experiment to update needs an id: set 'id' in the file or pass --id");
            }
            var expected = parse.GetValue(revision) ?? (await context.Admin.GetExperimentAsync(
                new GetExperimentRequest { Id = experiment.Id }, context.Unary()).ResponseAsync.ConfigureAwait(false)).Revision;
            var request = new UpdateExperimentRequest { Experiment = experiment, ExpectedRevision = expected };
            if (parse.GetValue(fields) is { Length: > 0 } paths)
            {
                request.UpdateMask = new FieldMask();
                request.UpdateMask.Paths.AddRange(paths.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            }
            var updated = await context.Admin.UpdateExperimentAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(updated);
            }
            else
            {
                context.Console.MarkupLine($"Updated experiment [bold]{Markup.Escape(updated.Id)}[/] to revision {updated.Revision}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Validate(GlobalOptions globals)
    {
        var file = FileOption();
        var command = new Command("validate", "Parse a definition file without contacting a server (the server checks the rest on create)") { file };
        globals.SetHandler(command, (context, parse) =>
        {
            var path = parse.GetRequiredValue(file);
            var experiment = ExperimentFile.Load(path);
            if (context.Json)
            {
                context.WriteJson(experiment);
            }
            else
            {
                context.Console.MarkupLine($"[green]{Markup.Escape(path)} is a well-formed experiment definition.[/]");
                context.Console.Write(ExperimentViews.Detail(experiment));
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Option<string> FileOption() => new("--file", "-f")
    {
        Description = "Definition file: YAML, or JSON when it ends in .json (protobuf JSON of experiments.v1.Experiment)",
        Required = true,
    };

    private static Option<string?> IdOption() => new("--id")
    {
        Description = "Experiment id, instead of the file's 'id'",
    };
}
