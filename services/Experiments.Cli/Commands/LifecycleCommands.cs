using System.CommandLine;
using System.Globalization;
using Experiments.Cli.Rendering;
using Experiments.Contracts.V1;
using Spectre.Console;

namespace Experiments.Cli.Commands;

/// <summary><c>exp start</c>, <c>stop</c>, <c>ramp</c> and <c>archive</c>: lifecycle changes, each based on a revision.</summary>
internal static class LifecycleCommands
{
    public static Command Start(GlobalOptions globals)
    {
        var id = Options.Id();
        var revision = Options.Revision();
        var command = new Command("start", "Start a DRAFT experiment: units start being enrolled") { id, revision };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetRequiredValue(id);
            var expected = await ExpectedRevisionAsync(context, experimentId, parse.GetValue(revision)).ConfigureAwait(false);
            var experiment = await context.Admin.StartExperimentAsync(
                new StartExperimentRequest { Id = experimentId, ExpectedRevision = expected }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            return Done(context, experiment, $"Started at {Formats.PercentValue(experiment.RolloutPercent)} rollout");
        });
        return command;
    }

    public static Command Stop(GlobalOptions globals)
    {
        var id = Options.Id();
        var revision = Options.Revision();
        var reason = new Option<string?>("--reason") { Description = "Why it stops, for the audit trail" };
        var finalVariant = new Option<string?>("--final-variant")
        {
            Description = "Variant served to every unit from now on (the winner to ship, the control to roll back); default: the experiment's default variant",
        };
        var command = new Command("stop", "Stop a RUNNING experiment and serve one variant to everyone") { id, revision, reason, finalVariant };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetRequiredValue(id);
            var expected = await ExpectedRevisionAsync(context, experimentId, parse.GetValue(revision)).ConfigureAwait(false);
            var experiment = await context.Admin.StopExperimentAsync(new StopExperimentRequest
            {
                Id = experimentId,
                ExpectedRevision = expected,
                Reason = parse.GetValue(reason) ?? "",
                FinalVariantKey = parse.GetValue(finalVariant) ?? "",
            }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            return Done(context, experiment, "Stopped" + (experiment.FinalVariantKey.Length > 0 ? $", serving {experiment.FinalVariantKey} to every unit" : ""));
        });
        return command;
    }

    public static Command Ramp(GlobalOptions globals)
    {
        var id = Options.Id();
        var revision = Options.Revision();
        var rollout = new Option<double?>("--rollout") { Description = "New rollout percent, 0–100" };
        var weights = new Option<string?>("--weights") { Description = "New weights by variant key, e.g. control=50,fast-engine=50" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit trail" };
        var command = new Command("ramp", "Change the rollout percent and/or the variant weights") { id, revision, rollout, weights, reason };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetRequiredValue(id);
            var request = new RampExperimentRequest { Id = experimentId, Reason = parse.GetValue(reason) ?? "" };
            if (parse.GetValue(rollout) is { } percent)
            {
                if (!(percent is >= 0 and <= 100))
                {
                    throw new CliUsageException($"--rollout {percent.ToString(CultureInfo.InvariantCulture)} is not a percent between 0 and 100");
                }
                request.RolloutPercent = percent;
            }
            if (parse.GetValue(weights) is { } text)
            {
                request.Weights.AddRange(ParseWeights(text));
            }
            if (request.RolloutPercent is null && request.Weights.Count == 0)
            {
                throw new CliUsageException("ramp needs --rollout, --weights or both");
            }
            request.ExpectedRevision = await ExpectedRevisionAsync(context, experimentId, parse.GetValue(revision)).ConfigureAwait(false);
            var experiment = await context.Admin.RampExperimentAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
            return Done(context, experiment,
                $"Ramped to {Formats.PercentValue(experiment.RolloutPercent)} rollout, weights {string.Join(", ", experiment.Variants.Select(v => $"{v.Key}={Formats.Number(v.Weight)}"))}");
        });
        return command;
    }

    public static Command Archive(GlobalOptions globals)
    {
        var id = Options.Id();
        var revision = Options.Revision();
        var command = new Command("archive", "Archive a DRAFT or STOPPED experiment: no longer served, its flag key free again") { id, revision };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetRequiredValue(id);
            var expected = await ExpectedRevisionAsync(context, experimentId, parse.GetValue(revision)).ConfigureAwait(false);
            var experiment = await context.Admin.ArchiveExperimentAsync(
                new ArchiveExperimentRequest { Id = experimentId, ExpectedRevision = expected }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            return Done(context, experiment, "Archived");
        });
        return command;
    }

    /// <summary>Parses <c>a=50,b=50</c> (also with spaces or colons).</summary>
    public static IEnumerable<VariantWeight> ParseWeights(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOfAny(['=', ':']);
            if (separator <= 0
                || !double.TryParse(pair[(separator + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight)
                || !double.IsFinite(weight) || weight < 0)
            {
                throw new CliUsageException($"--weights: '{pair}' is not variant=weight with a weight >= 0");
            }
            var key = pair[..separator];
            if (!seen.Add(key))
            {
                throw new CliUsageException($"--weights: variant '{key}' is given twice");
            }
            yield return new VariantWeight { VariantKey = key, Weight = weight };
        }
    }

    private static async Task<long> ExpectedRevisionAsync(CliContext context, string id, long? given) =>
        given ?? (await context.Admin.GetExperimentAsync(new GetExperimentRequest { Id = id }, context.Unary()).ResponseAsync.ConfigureAwait(false)).Revision;

    private static int Done(CliContext context, Experiment experiment, string what)
    {
        if (context.Json)
        {
            context.WriteJson(experiment);
        }
        else
        {
            context.Console.MarkupLine(
                $"{Markup.Escape(what)}: [bold]{Markup.Escape(experiment.Id)}[/] is {ExperimentViews.StatusMarkup(experiment.Status)} at revision {experiment.Revision}.");
        }
        return ExitCodes.Ok;
    }
}
