using System.Globalization;
using System.Text;
using Experiments.Contracts.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Rendering;

/// <summary>
/// How clients use the API (<c>exp traffic clients</c>), the declared intended usage, and lists of recorded exchanges.
/// The report answers first "which few clients call in a way that degrades performance": the clients whose share of
/// the slowest calls most exceeds their share of all calls.
/// </summary>
internal static class TrafficViews
{
    private const string SparkBlocks = "▁▂▃▄▅▆▇█";

    public static IRenderable Report(TrafficReport report)
    {
        var parts = new List<IRenderable>
        {
            new Markup($"[bold]Traffic[/] {Markup.Escape(Formats.Time(report.StartTime))} → {Markup.Escape(Formats.Time(report.EndTime))} · " +
                $"{Formats.Count(report.ExchangeCount)} calls from {Formats.Count(report.Clients.Count)} client(s)" +
                (report.IntendedUsage is { Endpoints.Count: > 0 } usage ? $" · judged against the intended usage of {Markup.Escape(usage.ServiceName)}" : " · no intended usage declared")),
        };
        if (report.ExchangeCount == 0)
        {
            parts.Add(new Text("No recorded calls match the filter."));
            return new Rows(parts);
        }
        parts.Add(Heaviest(report));
        parts.Add(Endpoints("All clients", report.Endpoints, showThreshold: true));
        foreach (var client in report.Clients)
        {
            parts.Add(new Rule($"[bold]client {Markup.Escape(ClientName(client.ClientId))}[/]").LeftJustified());
            parts.Add(ClientDetail(client, report.BucketSeconds));
        }
        return new Rows(parts);
    }

    /// <summary>Clients in the report's order (the server ranks them by how far their slowest share exceeds their call share).</summary>
    private static Table Heaviest(TrafficReport report)
    {
        var table = new Table().Border(TableBorder.Simple)
            .Title("Clients by share of the slowest calls against their share of calls")
            .AddColumn("CLIENT").AddColumn(new TableColumn("CALLS").RightAligned()).AddColumn(new TableColumn("CALL SHARE").RightAligned())
            .AddColumn(new TableColumn("SLOWEST SHARE").RightAligned()).AddColumn(new TableColumn("RATIO").RightAligned())
            .AddColumn(new TableColumn("ERRORS").RightAligned()).AddColumn(new TableColumn("UNITS").RightAligned()).AddColumn("DEPARTURES");
        foreach (var client in report.Clients)
        {
            var ratio = client.CallShare > 0 ? client.SlowestShare / client.CallShare : double.NaN;
            var excess = client.SlowestShare > client.CallShare && ratio >= 2;
            table.AddRow(
                new Text(ClientName(client.ClientId)),
                new Text(Formats.Count(client.CallCount)),
                new Text(Formats.Share(client.CallShare)),
                new Markup(excess ? $"[red]{Formats.Share(client.SlowestShare)}[/]" : Formats.Share(client.SlowestShare)),
                new Text(double.IsFinite(ratio) ? ratio.ToString("0.#", CultureInfo.InvariantCulture) + "×" : "—"),
                new Text(Formats.Share(client.ErrorShare)),
                new Text(Formats.Count(client.UnitCount)),
                new Text(client.Departures.Count == 0 ? "" : string.Join(", ", client.Departures.Select(d => Names.Of(d.Kind)).Distinct())));
        }
        return table;
    }

    private static Rows ClientDetail(ClientUsage client, double bucketSeconds)
    {
        var parts = new List<IRenderable>();
        if (client.Endpoints.Count > 0)
        {
            parts.Add(Endpoints("Endpoints", client.Endpoints, showThreshold: false));
        }
        if (client.Rate.Count > 0)
        {
            parts.Add(new Text(Rate(client.Rate, bucketSeconds)));
        }
        if (client.Transitions.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("Most common next call").AddColumns("AFTER", "NEXT")
                .AddColumn(new TableColumn("COUNT").RightAligned()).AddColumn(new TableColumn("SHARE").RightAligned());
            foreach (var transition in client.Transitions)
            {
                table.AddRow(new Text(transition.FromApiName), new Text(transition.ToApiName.Length == 0 ? "(end of sequence)" : transition.ToApiName),
                    new Text(Formats.Count(transition.Count)), new Text(Formats.Share(transition.Share)));
            }
            parts.Add(table);
        }
        if (client.Shapes.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("Payload and header shapes").AddColumns("API", "REQUEST FIELDS", "HEADERS")
                .AddColumn(new TableColumn("REQ BYTES p50/max").RightAligned()).AddColumn(new TableColumn("RESP BYTES p50/max").RightAligned());
            foreach (var shape in client.Shapes)
            {
                table.AddRow(new Text(shape.ApiName), new Text(Presence(shape.RequestFields)), new Text(Presence(shape.Headers)),
                    new Text($"{Formats.Number(shape.RequestBytesP50)} / {Formats.Number(shape.RequestBytesMax)}"),
                    new Text($"{Formats.Number(shape.ResponseBytesP50)} / {Formats.Number(shape.ResponseBytesMax)}"));
            }
            parts.Add(table);
        }
        if (client.Departures.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("[yellow]Departures from the intended usage[/]").AddColumns("KIND", "API")
                .AddColumn(new TableColumn("CALLS").RightAligned()).AddColumn("DETAIL");
            foreach (var departure in client.Departures)
            {
                table.AddRow(new Text(Names.Of(departure.Kind)), new Text(departure.ApiName), new Text(Formats.Count(departure.Count)), new Text(departure.Detail));
            }
            parts.Add(table);
        }
        return new Rows(parts);
    }

    private static Table Endpoints(string title, IEnumerable<EndpointUsage> endpoints, bool showThreshold)
    {
        var table = new Table().Border(TableBorder.Simple).Title(title).AddColumn("API")
            .AddColumn(new TableColumn("CALLS").RightAligned()).AddColumn(new TableColumn("SHARE").RightAligned())
            .AddColumn(new TableColumn("ERRORS").RightAligned()).AddColumn(new TableColumn("p50").RightAligned())
            .AddColumn(new TableColumn("p99").RightAligned()).AddColumn(new TableColumn("SLOW").RightAligned());
        if (showThreshold)
        {
            table.AddColumn(new TableColumn("SLOW ≥").RightAligned());
        }
        foreach (var endpoint in endpoints)
        {
            var cells = new List<IRenderable>
            {
                new Text(endpoint.ApiName),
                new Text(Formats.Count(endpoint.CallCount)),
                new Text(Formats.Share(endpoint.Share)),
                new Text(endpoint.CallCount == 0 ? "—" : $"{Formats.Count(endpoint.ErrorCount)} ({Formats.Share((double)endpoint.ErrorCount / endpoint.CallCount)})"),
                new Text(Milliseconds(endpoint.P50LatencyMs)),
                new Text(Milliseconds(endpoint.P99LatencyMs)),
                new Text(Formats.Count(endpoint.SlowCount)),
            };
            if (showThreshold)
            {
                cells.Add(new Text(Milliseconds(endpoint.SlowThresholdMs)));
            }
            table.AddRow(cells);
        }
        return table;
    }

    /// <summary>Calls per bucket as a sparkline scaled to the busiest bucket, with the peak and the bucket width.</summary>
    public static string Rate(IReadOnlyList<RatePoint> rate, double bucketSeconds)
    {
        var peak = rate.Max(p => p.CallCount);
        var line = new StringBuilder();
        foreach (var point in rate)
        {
            line.Append(point.CallCount == 0 ? ' ' : SparkBlocks[(int)Math.Round((double)point.CallCount / Math.Max(1, peak) * (SparkBlocks.Length - 1))]);
        }
        var width = bucketSeconds > 0 ? Formats.Span(TimeSpan.FromSeconds(bucketSeconds)) : "bucket";
        return $"Calls per {width}: {line} (peak {Formats.Count(peak)}, total {Formats.Count(rate.Sum(p => p.CallCount))})";
    }

    public static IRenderable Usage(IntendedUsage usage)
    {
        if (usage.Endpoints.Count == 0)
        {
            return new Text($"No intended usage declared for {(usage.ServiceName.Length == 0 ? "this service" : usage.ServiceName)}.");
        }
        var table = new Table().Border(TableBorder.Simple)
            .Title($"Intended usage of {Markup.Escape(usage.ServiceName)}" + (usage.UpdateTime is null ? "" : $" (declared {Formats.Time(usage.UpdateTime)})"))
            .AddColumn("API").AddColumn(new TableColumn("MAX CALLS/MIN").RightAligned()).AddColumns("AFTER ONE OF", "DEPRECATED");
        foreach (var endpoint in usage.Endpoints)
        {
            table.AddRow(
                new Text(endpoint.ApiName),
                new Text(endpoint.MaxCallsPerMinute > 0 ? Formats.Number(endpoint.MaxCallsPerMinute) : "no limit"),
                new Text(string.Join(", ", endpoint.MustFollow)),
                new Text(endpoint.Deprecated ? "yes" + (endpoint.ReplacedBy.Length > 0 ? $", use {endpoint.ReplacedBy}" : "") : ""));
        }
        return table;
    }

    /// <summary>One row per exchange; the capture ids and payloads are in <c>--json</c>.</summary>
    public static IRenderable List(IReadOnlyList<CapturedExchange> exchanges)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("TIME").NoWrap()).AddColumn(new TableColumn("CLIENT").NoWrap()).AddColumn(new TableColumn("API").NoWrap())
            .AddColumn(new TableColumn("STATUS").RightAligned()).AddColumn(new TableColumn("MS").RightAligned())
            .AddColumn(new TableColumn("BYTES IN/OUT").RightAligned()).AddColumn("VARIANTS");
        foreach (var exchange in exchanges)
        {
            table.AddRow(
                new Text(Formats.Time(exchange.StartTime)),
                new Text(ClientName(exchange.ClientId)),
                new Text(exchange.ApiName),
                new Text(Status(exchange)),
                new Text(exchange.DurationMs.ToString("0.##", CultureInfo.InvariantCulture)),
                new Text($"{Formats.Count(exchange.RequestMessages.Sum(m => (long)m.SizeBytes))} / {Formats.Count(exchange.ResponseMessages.Sum(m => (long)m.SizeBytes))}"),
                new Text(string.Join(", ", exchange.Variants.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"))));
        }
        return table;
    }

    private static string Status(CapturedExchange exchange) =>
        exchange.Protocol == CaptureProtocol.Grpc
            ? ErrorReporter.StatusName((Grpc.Core.StatusCode)exchange.StatusCode)
            : exchange.StatusCode.ToString(CultureInfo.InvariantCulture);

    private static string Presence(IEnumerable<FieldPresence> fields) =>
        string.Join(", ", fields.Select(f => f.Share >= 0.9995 ? f.Name : $"{f.Name} ({Formats.Share(f.Share)})"));

    private static string Milliseconds(double value) =>
        double.IsFinite(value) ? value.ToString(value >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " ms" : "—";

    private static string ClientName(string clientId) => clientId.Length == 0 ? "(unknown)" : clientId;
}
