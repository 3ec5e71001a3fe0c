using System.CommandLine;
using Experiments.Cli.Definitions;
using Experiments.Cli.Rendering;
using Experiments.Clients;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;
using YamlDotNet.Core;

namespace Experiments.Cli.Commands;

/// <summary>
/// <c>exp traffic</c>: recorded client traffic, served by the ingestion service (Captures; needs the capture scope) —
/// how each client uses the API, the declared intended usage, the recorded exchanges and their export to Postman,
/// curl, grpcurl or a capture file.
/// </summary>
internal static class TrafficCommands
{
    private const int MaxPageSize = 1000;

    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("traffic", "Recorded client traffic: how each client uses the API, and export to Postman, curl, grpcurl or a capture file");
        command.Subcommands.Add(Clients(globals));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Export(globals));
        command.Subcommands.Add(Usage(globals));
        return command;
    }

    private static Command Clients(GlobalOptions globals)
    {
        var filter = new FilterOptions();
        var command = new Command("clients", "How each client uses the API: first the clients with the largest share of the slowest calls against their share of calls; then per client its endpoints, rate, call sequences, payload shapes and departures from the intended usage");
        filter.AddTo(command);
        globals.SetHandler(command, async (context, parse) =>
        {
            var request = new GetTrafficReportRequest { Filter = filter.Read(parse, context.Host.Time.GetUtcNow()) };
            var report = await context.Captures.GetTrafficReportAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(report);
            }
            else
            {
                context.Console.Write(TrafficViews.Report(report));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(GlobalOptions globals)
    {
        var filter = new FilterOptions();
        var limit = LimitOption(100);
        var command = new Command("list", "The recorded exchanges matching a filter, oldest first") { limit };
        filter.AddTo(command);
        globals.SetHandler(command, async (context, parse) =>
        {
            var exchanges = await ListAsync(context, context.Captures, filter.Read(parse, context.Host.Time.GetUtcNow()), Limit(parse, limit)).ConfigureAwait(false);
            if (context.Json)
            {
                exchanges.ForEach(context.WriteJson);
            }
            else if (exchanges.Count == 0)
            {
                context.Console.WriteLine("No recorded exchanges match the filter.");
            }
            else
            {
                context.Console.Write(TrafficViews.List(exchanges));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(GlobalOptions globals)
    {
        var filter = new FilterOptions();
        var limit = LimitOption(1000);
        var format = new Option<string>("--format")
        {
            Description = "postman (Collection v2.1: HTTP requests; gRPC calls listed as grpcurl commands in its description), curl (HTTP), grpcurl (gRPC) or jsonl (the capture file exp replay reads)",
            Required = true,
        };
        format.AcceptOnlyFromAmong("postman", "curl", "grpcurl", "jsonl");
        var target = new Option<string?>("--target") { Description = "Send the exported requests to this URL (http:// or https://) instead of the recorded host" };
        var output = new Option<string?>("--out", "-o") { Description = "Write to this file instead of standard output" };
        var groupBy = new Option<string>("--group-by") { Description = "Postman folders: per client (default) or per api", DefaultValueFactory = _ => "client" };
        groupBy.AcceptOnlyFromAmong("client", "api");
        var name = new Option<string?>("--name") { Description = "Postman collection name (default: the service and the time span)" };
        var command = new Command("export", "Export the recorded exchanges matching a filter: Postman collection, curl or grpcurl commands (secrets left as variables), or a capture file")
        {
            format, target, output, groupBy, name, limit,
        };
        filter.AddTo(command);
        globals.SetHandler(command, async (context, parse) =>
        {
            var exportTarget = ParseTarget(parse.GetValue(target));
            var captureFilter = filter.Read(parse, context.Host.Time.GetUtcNow());
            var exchanges = await ListAsync(context, context.Captures, captureFilter, Limit(parse, limit)).ConfigureAwait(false);
            var kind = parse.GetRequiredValue(format);
            var grpcCount = exchanges.Count(e => e.Protocol == CaptureProtocol.Grpc);
            var (text, written) = Render(kind, exchanges, exportTarget, grpcCount, () => new PostmanExportOptions
            {
                Name = parse.GetValue(name) ?? CollectionName(captureFilter, exchanges),
                Description = Describe(captureFilter),
                GroupBy = parse.GetValue(groupBy) == "api" ? PostmanGrouping.Api : PostmanGrouping.Client,
                Target = exportTarget,
            });
            var path = parse.GetValue(output);
            if (path is null)
            {
                context.Host.Out.Write(text);
                context.Host.Out.Flush();
            }
            else
            {
                var full = Path.GetFullPath(path, context.Host.WorkingDirectory);
                try
                {
                    await File.WriteAllTextAsync(full, text, context.CancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    throw new CliUsageException($"cannot write {full}: {exception.Message}");
                }
            }
            // Said on stderr so that stdout stays the export itself.
            context.Host.Error.WriteLine(Summary(kind, written, exchanges.Count, grpcCount, path));
            context.Host.Error.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Usage(GlobalOptions globals)
    {
        var usage = new Command("usage", "The declared intended usage of a service's API (rate limits, call order, deprecated endpoints)");

        var file = new Argument<string>("FILE") { Description = "YAML (or .json) of experiments.v1.IntendedUsage: service_name, endpoints: [{api_name, max_calls_per_minute, must_follow, deprecated, replaced_by}]" };
        var set = new Command("set", "Declare a service's intended usage from a file (replaces the previous declaration)") { file };
        globals.SetHandler(set, async (context, parse) =>
        {
            var declared = LoadUsage(Path.GetFullPath(parse.GetRequiredValue(file), context.Host.WorkingDirectory));
            var stored = await context.Captures.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = declared }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(stored);
            }
            else
            {
                context.Console.MarkupLine($"Declared the intended usage of [bold]{Markup.Escape(stored.ServiceName)}[/]: {stored.Endpoints.Count} endpoint(s).");
                context.Console.Write(TrafficViews.Usage(stored));
            }
            return ExitCodes.Ok;
        });

        var service = new Option<string>("--service") { Description = "The service (its SDK's Experiments:ServiceName)", Required = true };
        var show = new Command("show", "Show a service's declared intended usage") { service };
        globals.SetHandler(show, async (context, parse) =>
        {
            var current = await context.Captures.GetIntendedUsageAsync(
                new GetIntendedUsageRequest { ServiceName = parse.GetRequiredValue(service) }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(current);
            }
            else
            {
                context.Console.Write(TrafficViews.Usage(current));
            }
            return ExitCodes.Ok;
        });

        usage.Subcommands.Add(set);
        usage.Subcommands.Add(show);
        return usage;
    }

    /// <summary>Pages through ListCaptures until <paramref name="limit"/> exchanges or the last page.</summary>
    private static async Task<List<CapturedExchange>> ListAsync(CliContext context, Captures.CapturesClient client, CaptureFilter filter, int limit)
    {
        var exchanges = new List<CapturedExchange>();
        var request = new ListCapturesRequest { Filter = filter };
        do
        {
            request.PageSize = Math.Min(MaxPageSize, limit - exchanges.Count);
            var page = await client.ListCapturesAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
            exchanges.AddRange(page.Exchanges.Take(limit - exchanges.Count));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0 && exchanges.Count < limit);
        return exchanges;
    }

    private static (string Text, int Written) Render(string kind, List<CapturedExchange> exchanges, ExportTarget target, int grpcCount, Func<PostmanExportOptions> postman)
    {
        try
        {
            return kind switch
            {
                "postman" => (PostmanCollectionExport.Write(exchanges, postman()) + "\n", exchanges.Count - grpcCount),
                "curl" => (CurlExport.Script(exchanges, target), exchanges.Count - grpcCount),
                "grpcurl" => (GrpcurlExport.Script(exchanges, target), grpcCount),
                _ => (Jsonl(exchanges), exchanges.Count),
            };
        }
        catch (ArgumentException exception)
        {
            // e.g. an exchange recorded without its authority and no --target to send it to.
            throw new CliUsageException(exception.Message.Split(" (Parameter", 2)[0]);
        }
    }

    internal static IntendedUsage LoadUsage(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read intended usage file {path}: {exception.Message}");
        }
        string json;
        if (Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            json = text;
        }
        else
        {
            try
            {
                json = YamlToJson.Convert(text, IntendedUsage.Descriptor);
            }
            catch (YamlException exception)
            {
                var where = exception.Start.Line > 0 ? $", line {exception.Start.Line}" : "";
                throw new CliUsageException($"intended usage file {path}{where}: {Innermost(exception)}");
            }
        }
        IntendedUsage usage;
        try
        {
            usage = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<IntendedUsage>(json);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new CliUsageException($"intended usage file {path}: {exception.Message}");
        }
        if (usage.ServiceName.Length == 0)
        {
            throw new CliUsageException($"intended usage file {path}: service_name is required");
        }
        return usage;
    }

    private static string Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }
        return exception.Message;
    }

    private static ExportTarget ParseTarget(string? target)
    {
        if (target is null)
        {
            return ExportTarget.Recorded;
        }
        if (Uri.TryCreate(target, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return ExportTarget.For(url);
        }
        throw new CliUsageException($"--target '{target}' is not an http:// or https:// URL");
    }

    private static string Jsonl(IReadOnlyList<CapturedExchange> exchanges)
    {
        using var writer = new StringWriter();
        CaptureFile.Write(writer, exchanges);
        return writer.ToString();
    }

    private static string Summary(string kind, int written, int total, int grpcCount, string? path)
    {
        var where = path is null ? "" : $" to {path}";
        return kind switch
        {
            "postman" => $"Exported {written} HTTP request(s){where} as a Postman v2.1 collection" +
                (grpcCount > 0 ? $"; the {grpcCount} gRPC call(s) are listed as grpcurl commands in its description (or use --format grpcurl)." : "."),
            "curl" => $"Exported {written} HTTP request(s){where} as curl commands" + (grpcCount > 0 ? $"; {grpcCount} gRPC call(s) skipped (use --format grpcurl)." : "."),
            "grpcurl" => $"Exported {written} gRPC call(s){where} as grpcurl commands" + (total > grpcCount ? $"; {total - grpcCount} HTTP request(s) skipped (use --format curl)." : "."),
            _ => $"Exported {written} exchange(s){where} as a capture file (exp replay --capture).",
        };
    }

    private static string CollectionName(CaptureFilter filter, IReadOnlyList<CapturedExchange> exchanges)
    {
        var service = filter.ServiceName.Length > 0 ? filter.ServiceName
            : exchanges.Select(e => e.ServiceName).Distinct().Count() == 1 ? exchanges[0].ServiceName : "";
        var span = exchanges.Count == 0 ? "" : $" {Formats.Time(exchanges[0].StartTime)} – {Formats.Time(exchanges[^1].StartTime)}";
        return $"Recorded traffic{(service.Length > 0 ? " of " + service : "")}{span}";
    }

    private static string Describe(CaptureFilter filter)
    {
        var parts = new List<string>();
        if (filter.ServiceName.Length > 0)
        {
            parts.Add("service " + filter.ServiceName);
        }
        if (filter.ClientIds.Count > 0)
        {
            parts.Add("clients " + string.Join(", ", filter.ClientIds));
        }
        if (filter.ApiNames.Count > 0)
        {
            parts.Add("APIs " + string.Join(", ", filter.ApiNames));
        }
        if (filter.UnitId.Length > 0)
        {
            parts.Add("unit " + filter.UnitId);
        }
        if (filter.StartTime is not null)
        {
            parts.Add("from " + Formats.Time(filter.StartTime));
        }
        if (filter.EndTime is not null)
        {
            parts.Add("to " + Formats.Time(filter.EndTime));
        }
        return string.Join("; ", parts);
    }

    private static Option<int?> LimitOption(int byDefault) => new("--limit")
    {
        Description = "At most this many exchanges, oldest first",
        DefaultValueFactory = _ => byDefault,
    };

    private static int Limit(ParseResult parse, Option<int?> limit) =>
        parse.GetValue(limit) is { } value and > 0 ? value : throw new CliUsageException("--limit must be a positive number");

    /// <summary>The options that select captures (CaptureFilter); each command that reads captures takes them.</summary>
    private sealed class FilterOptions
    {
        private readonly Option<string?> _service = new("--service") { Description = "Only this service (its SDK's Experiments:ServiceName)" };
        private readonly Option<string[]> _clients = new("--client") { Description = "Only these client ids (repeat, or separate with commas)", AllowMultipleArgumentsPerToken = true };
        private readonly Option<string[]> _apis = new("--api") { Description = "Only these APIs, as telemetry names them: 'pkg.Svc/Method', 'GET /v1/route/{id}' (repeat)" };
        private readonly Option<string?> _unit = new("--unit") { Description = "Only this unit (user or session id): one client's session" };
        private readonly Option<string?> _since = new("--since") { Description = "Calls in the last span (15m, 2h, 1d) or since a time (ISO 8601)" };
        private readonly Option<string?> _from = new("--from") { Description = "Calls that started at or after this time (ISO 8601 or a time ago such as 2h)" };
        private readonly Option<string?> _to = new("--to") { Description = "Calls that started before this time (ISO 8601 or a time ago)" };

        public void AddTo(Command command)
        {
            foreach (var option in new System.CommandLine.Option[] { _service, _clients, _apis, _unit, _since, _from, _to })
            {
                command.Options.Add(option);
            }
        }

        public CaptureFilter Read(ParseResult parse, DateTimeOffset now)
        {
            var filter = new CaptureFilter
            {
                ServiceName = parse.GetValue(_service) ?? "",
                UnitId = parse.GetValue(_unit) ?? "",
            };
            filter.ClientIds.AddRange(Split(parse.GetValue(_clients)));
            filter.ApiNames.AddRange(parse.GetValue(_apis) ?? []);
            var since = parse.GetValue(_since);
            var from = parse.GetValue(_from);
            if (since is not null && from is not null)
            {
                throw new CliUsageException("give --since or --from, not both");
            }
            if ((since ?? from) is { } start)
            {
                filter.StartTime = Timestamp.FromDateTimeOffset(Time(start, since is not null ? "--since" : "--from", now));
            }
            if (parse.GetValue(_to) is { } end)
            {
                filter.EndTime = Timestamp.FromDateTimeOffset(Time(end, "--to", now));
            }
            if (filter.StartTime is not null && filter.EndTime is not null && filter.EndTime <= filter.StartTime)
            {
                throw new CliUsageException("--to must be after the start of the span");
            }
            return filter;
        }

        private static IEnumerable<string> Split(string[]? values) =>
            (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        private static DateTimeOffset Time(string text, string option, DateTimeOffset now)
        {
            try
            {
                return AsOfTime.Parse(text, now);
            }
            catch (CliUsageException)
            {
                throw new CliUsageException($"{option} '{text}' is not a time: give a span ago (15m, 2h, 1d) or ISO 8601 (2026-12-06T14:00:00Z)");
            }
        }
    }
}
