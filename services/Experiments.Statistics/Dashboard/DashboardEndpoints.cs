using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Verdicts;
using Google.Protobuf;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// The dashboard's HTTP surface: the pages (experiment list, experiment, traffic), their assets, and JSON that is the
/// protobuf JSON mapping of the very messages the gRPC API returns — Verdict (GetVerdict's cache, FULL view),
/// GetVerdictHistoryResponse points, ListAuditEntriesResponse, Experiment, ingestion's TrafficReport — so the pages show
/// the services' numbers and compute none of their own. Live updates are Server-Sent Events fed by the same verdict
/// cache. One experiment whose definition or verdict cannot be written (a value protobuf's JSON mapping refuses) is
/// logged and shown as an error of that experiment, never a failed page: the other experiments still render.
/// </summary>
internal sealed partial class DashboardEndpoints(
    VerdictBook verdicts, StatisticsShard shard, AuditTrail audit, TrafficReports traffic, DashboardOptions options, ILogger logger)
{
    // Default values too: a client must not mistake a missing `passed: false` for an unknown.
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private CancellationToken _stopping;

    /// <summary>
    /// The pipeline and routes. Host filtering comes before anything that answers, and when <paramref name="access"/>
    /// requires sign-in every page, JSON and SSE route needs the read scope — the traffic page and its JSON the capture
    /// scope, as they hold client ids and what clients send; the assets (no data) and sign-in stay open.
    /// </summary>
    public void Map(WebApplication app, DashboardAccess access)
    {
        // Live streams never end by themselves: they must end when the service stops, or shutdown waits for them.
        _stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            try
            {
                await next(context);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && !context.Response.HasStarted)
            {
                // Whatever else fails answers with a message a page can show, and leaves a trace in the log.
                DashboardLog.RequestFailed(logger, context.Request.Path, exception);
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await WriteJsonAsync(context, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("error", "The dashboard could not answer this request; the statistics service logged the details.");
                    writer.WriteEndObject();
                });
            }
        });
        app.UseHostFiltering();
        if (access.RequireSignIn)
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapDashboardSignIn(options);
        }
        app.MapGet("/assets/{name}", context => Asset(context, (string)context.Request.RouteValues["name"]!));
        app.MapGet("/api/session", context => SessionAsync(context, access));
        var data = app.MapGroup("");
        if (access.RequireSignIn)
        {
            data.RequireAuthorization(DashboardSignIn.ReadPolicy);
        }
        data.MapGet("/", context => Asset(context, "index.html"));
        data.MapGet("/experiments/{id}", context => Asset(context, "index.html"));
        data.MapGet("/api/experiments", ListAsync);
        data.MapGet("/api/experiments/{id}", ExperimentAsync);
        data.MapGet("/api/experiments/{id}/history", HistoryAsync);
        data.MapGet("/api/experiments/{id}/audit", AuditAsync);
        data.MapGet("/api/live", LiveAsync);
        var captures = app.MapGroup("");
        if (access.RequireSignIn)
        {
            captures.RequireAuthorization(DashboardSignIn.CapturePolicy);
        }
        captures.MapGet("/traffic", context => Asset(context, "index.html"));
        captures.MapGet("/api/traffic", TrafficAsync);
    }

    /// <summary>Whether this dashboard asks for a sign-in and who is signed in: what the top bar shows.</summary>
    private static Task SessionAsync(HttpContext context, DashboardAccess access) => WriteJsonAsync(context, writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("signInRequired", access.RequireSignIn);
        var name = access.RequireSignIn && context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
        if (name is null)
        {
            writer.WriteNull("name");
        }
        else
        {
            writer.WriteString("name", name);
        }
        writer.WriteEndObject();
    });

    private static async Task Asset(HttpContext context, string name)
    {
        if (DashboardAssets.Find(name) is not { } asset)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        context.Response.ContentType = asset.ContentType;
        await context.Response.Body.WriteAsync(asset.Content, context.RequestAborted);
    }

    /// <summary>Every experiment this replica analyses, with its current verdict (BASIC view) or null.</summary>
    private Task ListAsync(HttpContext context)
    {
        var current = verdicts.AllCurrent(full: false).ToDictionary(v => v.ExperimentId, StringComparer.Ordinal);
        return WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("experiments");
            foreach (var experiment in shard.Experiments())
            {
                writer.WriteStartObject();
                var errors = new List<string>();
                WriteExperiment(writer, experiment.Id, experiment, errors);
                WriteVerdict(writer, experiment.Id, current.GetValueOrDefault(experiment.Id), errors);
                WriteErrors(writer, errors);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>One experiment's definition and current verdict, FULL view: exactly what GetVerdict returns.</summary>
    private Task ExperimentAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var experiment = shard.Experiments().FirstOrDefault(e => e.Id == id);
        var verdict = verdicts.Current(id, full: true);
        if (experiment is null && verdict is null)
        {
            return NotFoundAsync(context, $"No experiment '{id}' on this statistics service.");
        }
        return WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            var errors = new List<string>();
            WriteExperiment(writer, id, experiment, errors);
            WriteVerdict(writer, id, verdict, errors);
            WriteErrors(writer, errors);
            writer.WriteEndObject();
        });
    }

    /// <summary>GetVerdictHistory's points, thinned evenly to at most HistoryPoints verdicts (the newest always kept).</summary>
    private Task HistoryAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var history = verdicts.History(id);
        // GetVerdictHistoryResponse's JSON, written point by point so that one point that cannot be written is left out
        // (and logged) rather than failing the whole series.
        return WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("points");
            foreach (var verdict in Thin(history, Math.Max(2, options.HistoryPoints)))
            {
                foreach (var kpi in verdict.KpiResults)
                {
                    var point = new VerdictHistoryPoint { ComputeTime = verdict.ComputeTime, KpiKey = kpi.KpiKey, Decision = verdict.Decision, KpiDecision = kpi.Decision };
                    point.Arms.AddRange(kpi.Arms);
                    point.Comparisons.AddRange(kpi.Comparisons);
                    if (TryFormat(point, id, "verdict history point", out var json, out _))
                    {
                        writer.WriteRawValue(json, skipInputValidation: true);
                    }
                }
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private async Task AuditAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var (entries, note) = await audit.ListAsync(id, context.RequestAborted);
        await WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("audit");
            if (entries is null)
            {
                writer.WriteNullValue();
            }
            else if (TryFormat(entries, id, "audit trail", out var json, out var error))
            {
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
                note = "Audit trail unavailable: " + error;
            }
            if (note is null)
            {
                writer.WriteNull("note");
            }
            else
            {
                writer.WriteString("note", note);
            }
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Server-Sent Events: "verdict" events carrying each new verdict (FULL for <c>?experiment=id</c>, BASIC for the
    /// list), at most one per experiment per LiveInterval — the latest one, so a page never stays behind the cache.
    /// </summary>
    private async Task LiveAsync(HttpContext context)
    {
        var only = context.Request.Query["experiment"].ToString();
        var full = only.Length > 0;
        var reader = verdicts.Subscribe(out var unsubscribe);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var cancellationToken = ended.Token;
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
            var pending = new Dictionary<string, Verdict>(StringComparer.Ordinal);
            var lastWrite = DateTimeOffset.UtcNow;
            using var tick = new PeriodicTimer(options.LiveInterval);
            var next = tick.WaitForNextTickAsync(cancellationToken).AsTask();
            var read = reader.WaitToReadAsync(cancellationToken).AsTask();
            while (!cancellationToken.IsCancellationRequested)
            {
                var done = await Task.WhenAny(next, read);
                if (done == read)
                {
                    if (!await read)
                    {
                        return;
                    }
                    while (reader.TryRead(out var verdict))
                    {
                        if (!full || verdict.ExperimentId == only)
                        {
                            pending[verdict.ExperimentId] = verdict;
                        }
                    }
                    read = reader.WaitToReadAsync(cancellationToken).AsTask();
                    continue;
                }
                await next;
                next = tick.WaitForNextTickAsync(cancellationToken).AsTask();
                foreach (var verdict in pending.Values)
                {
                    // A verdict that cannot be written is skipped (and logged): the stream carries on with the others.
                    if (TryFormat(full ? verdict : VerdictBook.Basic(verdict), verdict.ExperimentId, "verdict", out var json, out _))
                    {
                        await WriteEventAsync(context, "verdict", json, cancellationToken);
                        lastWrite = DateTimeOffset.UtcNow;
                    }
                }
                pending.Clear();
                if (DateTimeOffset.UtcNow - lastWrite > KeepAlive)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    lastWrite = DateTimeOffset.UtcNow;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The browser went away, or the service is stopping.
        }
        finally
        {
            unsubscribe();
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, string data, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static IEnumerable<Verdict> Thin(IReadOnlyList<Verdict> history, int max)
    {
        if (history.Count <= max)
        {
            return history;
        }
        var step = (history.Count - 1) / (double)(max - 1);
        return Enumerable.Range(0, max).Select(i => history[(int)Math.Round(i * step)]);
    }

    private void WriteExperiment(Utf8JsonWriter writer, string id, Experiment? experiment, List<string> errors)
    {
        writer.WritePropertyName("experiment");
        if (experiment is null)
        {
            writer.WriteNullValue();
        }
        else if (TryFormat(experiment, id, "definition", out var json, out var error))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
        else
        {
            // What a row needs to name the experiment and link to it; the page says why the rest is missing.
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteEndObject();
            errors.Add(error);
        }
    }

    private void WriteVerdict(Utf8JsonWriter writer, string id, Verdict? verdict, List<string> errors)
    {
        writer.WritePropertyName("verdict");
        if (verdict is null)
        {
            writer.WriteNullValue();
        }
        else if (TryFormat(verdict, id, "verdict", out var json, out var error))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
        else
        {
            writer.WriteNullValue();
            errors.Add(error);
        }
    }

    private static void WriteErrors(Utf8JsonWriter writer, List<string> errors)
    {
        if (errors.Count == 0)
        {
            writer.WriteNull("error");
        }
        else
        {
            writer.WriteString("error", string.Join("; ", errors));
        }
    }

    private bool TryFormat(IMessage message, string experimentId, string what, out string json, out string error)
    {
        try
        {
            json = Json.Format(message);
            error = "";
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DashboardLog.CannotShow(logger, what, experimentId, exception);
            json = "";
            error = $"its {what} could not be shown ({exception.Message}); the statistics service logged the details";
            return false;
        }
    }

    private static Task NotFoundAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return WriteErrorAsync(context, message);
    }

    /// <summary><c>{"error": message}</c>, with the status code the caller set.</summary>
    internal static Task WriteErrorAsync(HttpContext context, string message) =>
        WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        });

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }
}
