using System.CommandLine;
using System.Globalization;
using System.Text;
using Experiments.Cli.Configuration;
using Experiments.Cli.Rendering;
using Experiments.Cli.Replay;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace Experiments.Cli.Commands;

/// <summary>
/// <c>exp replay</c>: replays a capture file against a running backend under two variants, forced per request with a
/// signed replay token, and prints the statistics service's verdict on the replayed traffic and what differed.
/// </summary>
internal static class ReplayCommand
{
    public const string KeyVariable = "EXP_REPLAY_KEY";
    private const int DefaultMaxExchanges = 1000;
    private const int DefaultConcurrency = 4;
    private static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromMinutes(5);

    internal static Command Create(GlobalOptions globals)
    {
        var capture = new Option<string>("--capture") { Description = "Capture file: JSON Lines of CapturedExchange (exp traffic export --format jsonl)", Required = true };
        var target = new Option<string>("--target") { Description = "The backend to replay against, e.g. http://127.0.0.1:5000", Required = true };
        var variants = new Option<string[]>("--variant")
        {
            Description = "The two variants to compare, control first: --variant control --variant new-router (default with --experiment: its control and first treatment)",
        };
        var flag = new Option<string?>("--flag") { Description = "The flag whose variant is forced (default: the one flag each exchange recorded a variant for)" };
        var speed = new Option<string?>("--speed") { Description = "1x keeps the recorded gaps between exchanges, 10x divides them by ten, max sends as fast as --concurrency allows [default 1x]" };
        var concurrency = new Option<int>("--concurrency") { Description = $"Exchanges in flight at once [default {DefaultConcurrency}]", DefaultValueFactory = _ => DefaultConcurrency };
        var maxExchanges = new Option<int>("--max-exchanges") { Description = $"Stop after this many exchanges [default {DefaultMaxExchanges}]", DefaultValueFactory = _ => DefaultMaxExchanges };
        var maxDuration = new Option<string?>("--max-duration") { Description = "Stop after this long, e.g. 90s, 5m; replay tokens expire then too [default 5m]" };
        var key = new Option<string?>("--replay-key") { Description = $"The key the backend's SDK checks replay tokens with (Experiments:Replay:Key) [env {KeyVariable}]" };
        var headers = new Option<string[]>("--header")
        {
            Description = "NAME=VALUE sent with every request: fills a redacted header (authorization=Bearer …) or adds one; repeatable",
        };
        var experiment = new Option<string?>("--experiment") { Description = "Judge the replay on this experiment's request-based KPIs (and its variants when --variant is not given)" };
        var exitCode = Options.ExitCode();
        var command = new Command("replay",
            "Replay recorded exchanges against a backend under two variants and judge them as an experiment with the request as unit. " +
            "Each exchange is sent under each variant (in a random order per exchange) with x-experiments-replay-variant and a token signed " +
            "with the replay key; the backend's SDK honours it only with Experiments:Replay:Enabled and the same key, and leaves replayed " +
            "requests out of its telemetry. Bounded by --max-exchanges and --max-duration, stops on Ctrl+C. " + ReplayKpis.DefaultsHelp)
        {
            capture, target, variants, flag, speed, concurrency, maxExchanges, maxDuration, key, headers, experiment, exitCode,
        };
        globals.SetHandler(command, async (context, parse) =>
        {
            var experimentId = parse.GetValue(experiment);
            var defined = experimentId is null ? null
                : await context.Admin.GetExperimentAsync(new GetExperimentRequest { Id = experimentId }, context.Unary()).ResponseAsync.ConfigureAwait(false);
            var settings = Settings(context, parse, defined, (capture, target, variants, flag, speed, concurrency, maxExchanges, maxDuration, key, headers));
            var exchanges = ReadCaptures(parse.GetRequiredValue(capture), settings.MaxExchanges)
                .OrderBy(e => e.StartTime?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
                .ToList();
            if (exchanges.Count == 0)
            {
                throw new CliUsageException($"--capture: {parse.GetRequiredValue(capture)} holds no exchange");
            }
            foreach (var exchange in exchanges)
            {
                ReplayRunner.FlagOf(exchange, settings.Flag);
            }
            var apis = exchanges.Select(e => e.ApiName).ToList();
            var kpis = defined is null ? ReplayKpis.Defaults(apis) : ReplayKpis.FromExperiment(defined, apis.ToHashSet(StringComparer.Ordinal));

            using var channel = context.Host.CreateChannel(settings.Target);
            using var http = HttpReplaySender.CreateClient();
            var grpc = new GrpcReplaySender(channel.CreateCallInvoker());
            var plain = new HttpReplaySender(http, settings.Target);
            var runner = new ReplayRunner(settings, e => e.Protocol == CaptureProtocol.Http ? plain : grpc, context.Host.Time);
            var run = await runner.RunAsync(exchanges, context.CancellationToken).ConfigureAwait(false);
            if (run.DroppedHeaders.Count > 0 && context.Json)
            {
                await context.Host.Error.WriteLineAsync("exp replay: " + ReplaySummary.DroppedHeadersWarning(run.DroppedHeaders)).ConfigureAwait(false);
            }
            if (run.Exchanges.Count == 0)
            {
                throw new CliUsageException("no exchange was replayed under both variants before the replay stopped: nothing to analyse");
            }

            var request = Analysis(run, settings, kpis, defined);
            // After Ctrl+C the replay's own token is cancelled; the analysis of what was replayed still gets its deadline.
            var verdict = await context.Statistics.AnalyzeReplayAsync(request, new CallOptions(deadline: DateTime.UtcNow + context.Settings.Timeout))
                .ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(verdict);
            }
            else
            {
                context.Console.Write(VerdictPanel.Render(verdict));
                context.Console.WriteLine();
                context.Console.Write(ReplaySummary.Render(run, settings));
            }
            return parse.GetValue(exitCode) ? ExitCodes.ForDecision(verdict.Decision) : ExitCodes.Ok;
        });
        return command;
    }

    private static AnalyzeReplayRequest Analysis(ReplayRun run, ReplaySettings settings, List<Kpi> kpis, Experiment? defined)
    {
        var request = new AnalyzeReplayRequest
        {
            ReplayId = "replay-" + (defined is null ? "" : defined.Id + "-") + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
            ControlVariant = settings.ControlVariant,
            TreatmentVariant = settings.TreatmentVariant,
            Alpha = defined?.Alpha ?? 0,
            MinimumDetectableEffect = defined?.MinimumDetectableEffect ?? 0,
        };
        request.Kpis.AddRange(kpis);
        foreach (var exchange in run.Exchanges)
        {
            foreach (var (variant, outcome) in new[] { (settings.ControlVariant, exchange.Control), (settings.TreatmentVariant, exchange.Treatment) })
            {
                request.Observations.Add(new ReplayObservation
                {
                    CaptureId = exchange.Exchange.CaptureId,
                    ApiName = exchange.Exchange.ApiName,
                    VariantKey = variant,
                    LatencyMs = outcome.LatencyMs,
                    Error = outcome.Error,
                });
            }
        }
        return request;
    }

    private static ReplaySettings Settings(CliContext context, ParseResult parse, Experiment? defined,
        (Option<string> Capture, Option<string> Target, Option<string[]> Variants, Option<string?> Flag, Option<string?> Speed, Option<int> Concurrency,
        Option<int> MaxExchanges, Option<string?> MaxDuration, Option<string?> Key, Option<string[]> Headers) o)
    {
        var targetText = parse.GetRequiredValue(o.Target);
        if (!Uri.TryCreate(targetText, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUsageException($"--target: '{targetText}' is not an http:// or https:// address");
        }
        var (control, treatment) = Variants(parse.GetValue(o.Variants) ?? [], defined);
        var concurrency = parse.GetValue(o.Concurrency);
        if (concurrency < 1)
        {
            throw new CliUsageException("--concurrency must be at least 1");
        }
        var maxExchanges = parse.GetValue(o.MaxExchanges);
        if (maxExchanges < 1)
        {
            throw new CliUsageException("--max-exchanges must be at least 1");
        }
        var maxDuration = DefaultMaxDuration;
        if (parse.GetValue(o.MaxDuration) is { } durationText)
        {
            try
            {
                maxDuration = CliSettingsResolver.ParseTimeout(durationText);
            }
            catch (CliUsageException)
            {
                throw new CliUsageException($"--max-duration: '{durationText}' is not a positive duration (e.g. 90s, 5m)");
            }
        }
        var key = parse.GetValue(o.Key) ?? context.Host.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrEmpty(key))
        {
            throw new CliUsageException($"a replay key is required: --replay-key KEY or ${KeyVariable} (the backend's Experiments:Replay:Key)");
        }
        var flag = parse.GetValue(o.Flag) ?? (defined is { FlagKey.Length: > 0 } ? defined.FlagKey : null);
        return new ReplaySettings(target, control, treatment, flag, ReplaySpeed.Parse(parse.GetValue(o.Speed)), concurrency, maxExchanges, maxDuration,
            Encoding.UTF8.GetBytes(key), Headers(parse.GetValue(o.Headers) ?? []));
    }

    private static (string Control, string Treatment) Variants(string[] given, Experiment? defined)
    {
        if (given.Length == 2)
        {
            return given[0] != given[1] ? (given[0], given[1]) : throw new CliUsageException("--variant: the two variants must differ");
        }
        if (given.Length == 0 && defined is not null)
        {
            var control = defined.Variants.FirstOrDefault(v => v.IsControl) ?? defined.Variants.FirstOrDefault();
            var treatment = defined.Variants.FirstOrDefault(v => v != control);
            if (control is not null && treatment is not null)
            {
                return (control.Key, treatment.Key);
            }
        }
        throw new CliUsageException("--variant: give exactly two, control first (e.g. --variant control --variant new-router), or --experiment to take them from it");
    }

    private static Dictionary<string, string> Headers(string[] given)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in given)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliUsageException($"--header: '{pair}' is not NAME=VALUE");
            }
            headers[pair[..equals].Trim().ToLowerInvariant()] = pair[(equals + 1)..];
        }
        return headers;
    }

    /// <summary>The first <paramref name="limit"/> exchanges of a capture file; a missing file or a bad line is a usage error naming it.</summary>
    private static List<CapturedExchange> ReadCaptures(string path, int limit)
    {
        if (!File.Exists(path))
        {
            throw new CliUsageException($"--capture: no such file '{path}'");
        }
        try
        {
            using var reader = File.OpenText(path);
            return [.. CaptureFile.Read(reader).Take(limit)];
        }
        catch (FormatException exception)
        {
            throw new CliUsageException($"{path}: {exception.Message}");
        }
    }
}
