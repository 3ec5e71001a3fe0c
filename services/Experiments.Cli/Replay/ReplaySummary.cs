using Experiments.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Replay;

/// <summary>What the replay did, after its verdict: what was sent, what failed, and which responses differed.</summary>
internal static class ReplaySummary
{
    private const int ExchangesShown = 3;
    private const int DifferencesShown = 5;

    public static IRenderable Render(ReplayRun run, ReplaySettings settings)
    {
        var exchanges = run.Exchanges;
        var differing = exchanges.Where(e => e.Differences.Count > 0).ToList();
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Replay[/]").AddColumn("").AddColumn(settings.ControlVariant).AddColumn(settings.TreatmentVariant);
        table.AddRow("requests sent", Formats.Count(exchanges.Count), Formats.Count(exchanges.Count));
        table.AddRow("failed to send (no response)", Formats.Count(exchanges.Count(e => e.Control.FailedToSend)), Formats.Count(exchanges.Count(e => e.Treatment.FailedToSend)));
        table.AddRow("errors", Formats.Count(exchanges.Count(e => e.Control.Error)), Formats.Count(exchanges.Count(e => e.Treatment.Error)));
        var parts = new List<IRenderable>
        {
            table,
            new Markup(Markup.Escape(
                $"{Formats.Count(exchanges.Count)} exchanges replayed under both variants against {settings.Target} at speed {settings.Speed}, " +
                $"concurrency {settings.Concurrency}, in {Formats.Span(run.Elapsed)}; {StopText(run, settings)}")),
            new Markup(Markup.Escape($"Responses that differ between {settings.ControlVariant} and {settings.TreatmentVariant}: {Formats.Count(differing.Count)} of {Formats.Count(exchanges.Count)}")),
        };
        foreach (var exchange in differing.Take(ExchangesShown))
        {
            parts.Add(new Markup(Markup.Escape($"{exchange.Exchange.ApiName} · capture {exchange.Exchange.CaptureId}")));
            var diff = new Table().Border(TableBorder.Simple)
                .AddColumn("path").AddColumn(settings.ControlVariant).AddColumn(settings.TreatmentVariant);
            foreach (var difference in exchange.Differences.Take(DifferencesShown))
            {
                diff.AddRow(Markup.Escape(difference.Path), Markup.Escape(difference.Control ?? "(absent)"), Markup.Escape(difference.Treatment ?? "(absent)"));
            }
            if (exchange.Differences.Count > DifferencesShown)
            {
                diff.AddRow("…", Markup.Escape($"{exchange.Differences.Count - DifferencesShown} more"), "");
            }
            parts.Add(diff);
        }
        if (run.DroppedHeaders.Count > 0)
        {
            parts.Add(new Markup("[yellow]" + Markup.Escape(DroppedHeadersWarning(run.DroppedHeaders)) + "[/]"));
        }
        return new Rows(parts);
    }

    public static string DroppedHeadersWarning(IReadOnlyCollection<string> names) =>
        $"redacted header(s) {string.Join(", ", names)} not sent (no value): give one with --header NAME=VALUE";

    private static string StopText(ReplayRun run, ReplaySettings settings)
    {
        var abandoned = run.Abandoned > 0 ? $" ({run.Abandoned} exchange(s) in flight were left out of the analysis)" : "";
        return run.Stop switch
        {
            ReplayStop.MaxDuration => $"stopped at --max-duration {Formats.Span(settings.MaxDuration)}{abandoned}",
            ReplayStop.Interrupted => $"interrupted{abandoned}",
            _ => "every exchange read was replayed",
        };
    }
}
