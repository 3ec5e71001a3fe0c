using System.CommandLine;
using Experiments.Cli.Configuration;
using Experiments.Cli.Rendering;
using Experiments.Contracts.V1;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Commands;

/// <summary><c>exp verdict</c> and <c>exp watch</c>: what the statistics service concludes.</summary>
internal static class VerdictCommands
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);

    public static Command Verdict(GlobalOptions globals)
    {
        var id = Options.Id();
        // A string parsed here rather than Option<DateTimeOffset?>: System.CommandLine's own error names the CLR type
        // (System.Nullable`1[System.DateTimeOffset]) and knows no "yesterday".
        var asOf = new Option<string?>("--as-of") { Description = AsOfTime.Help };
        var exitCode = Options.ExitCode();
        var command = new Command("verdict", "Show the current verdict: the decision, its reasons, the sample-ratio check and a table per KPI") { id, asOf, exitCode };
        globals.SetHandler(command, async (context, parse) =>
        {
            var request = new GetVerdictRequest { ExperimentId = parse.GetRequiredValue(id), View = VerdictView.Basic };
            if (parse.GetValue(asOf) is { } time)
            {
                request.AsOfTime = Timestamp.FromDateTimeOffset(AsOfTime.Parse(time, context.Host.Time.GetUtcNow()));
            }
            var verdict = await context.Statistics.GetVerdictAsync(request, context.Unary()).ResponseAsync.ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(verdict);
            }
            else
            {
                context.Console.Write(VerdictPanel.Render(verdict));
            }
            return parse.GetValue(exitCode) ? ExitCodes.ForDecision(verdict.Decision) : ExitCodes.Ok;
        });
        return command;
    }

    public static Command Watch(GlobalOptions globals)
    {
        var id = Options.Id();
        var minInterval = new Option<string?>("--min-interval") { Description = "At most one verdict per this interval, e.g. 2s (default: the server's)" };
        var exitCode = Options.ExitCode();
        var command = new Command("watch", "Follow the verdict live until the experiment stops (Ctrl+C to leave)") { id, minInterval, exitCode };
        globals.SetHandler(command, async (context, parse) =>
        {
            var request = new WatchVerdictsRequest { View = VerdictView.Basic };
            request.ExperimentIds.Add(parse.GetRequiredValue(id));
            if (parse.GetValue(minInterval) is { } interval)
            {
                request.MinInterval = Duration.FromTimeSpan(CliSettingsResolver.ParseTimeout(interval));
            }
            Verdict? last;
            if (context.Json || !context.Console.Profile.Capabilities.Interactive)
            {
                last = await FollowAsync(context, request, verdict =>
                {
                    if (context.Json)
                    {
                        context.WriteJson(verdict);
                    }
                    else
                    {
                        context.Console.Write(new Rule(Formats.Time(verdict.ComputeTime)).LeftJustified());
                        context.Console.Write(VerdictPanel.Render(verdict));
                    }
                }, _ => { }).ConfigureAwait(false);
            }
            else
            {
                last = null;
                IRenderable? shown = null;
                await context.Console.Live(Waiting(request.ExperimentIds[0], null)).AutoClear(false).StartAsync(async live =>
                {
                    last = await FollowAsync(
                        context,
                        request,
                        verdict =>
                        {
                            shown = VerdictPanel.Render(verdict);
                            live.UpdateTarget(shown);
                            live.Refresh();
                        },
                        problem =>
                        {
                            live.UpdateTarget(shown is null ? Waiting(request.ExperimentIds[0], problem) : new Rows(shown, new Markup($"[yellow]{Markup.Escape(problem)}[/]")));
                            live.Refresh();
                        }).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            return parse.GetValue(exitCode) && last is not null ? ExitCodes.ForDecision(last.Decision) : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Streams verdicts to <paramref name="onVerdict"/> until the experiment's verdict is final (stopped or archived)
    /// or the user cancels; reconnects with backoff when an established stream breaks. Returns the last verdict.
    /// </summary>
    private static async Task<Verdict?> FollowAsync(CliContext context, WatchVerdictsRequest request, Action<Verdict> onVerdict, Action<string> onProblem)
    {
        Verdict? last = null;
        var connectedOnce = false;
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                using var call = context.Statistics.WatchVerdicts(request, context.Streaming(context.CancellationToken));
                await foreach (var verdict in ReadAllAsync(call.ResponseStream, context.CancellationToken).ConfigureAwait(false))
                {
                    connectedOnce = true;
                    delay = TimeSpan.FromSeconds(1);
                    last = verdict;
                    onVerdict(verdict);
                    if (verdict.ExperimentStatus is ExperimentStatus.Stopped or ExperimentStatus.Archived)
                    {
                        return last;
                    }
                }
                // The server ended the stream (e.g. shutting down): connect again.
                connectedOnce = true;
                onProblem("the statistics service ended the stream; reconnecting");
            }
            catch (Exception exception) when (context.CancellationToken.IsCancellationRequested && exception is OperationCanceledException or RpcException)
            {
                return last;
            }
            catch (RpcException exception) when (connectedOnce && exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown)
            {
                onProblem($"{ErrorReporter.StatusName(exception.StatusCode)}: {exception.Status.Detail}; reconnecting in {Formats.Span(delay)}");
            }
            try
            {
                await Task.Delay(delay, context.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return last;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private static async IAsyncEnumerable<Verdict> ReadAllAsync(IAsyncStreamReader<Verdict> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }

    private static IRenderable Waiting(string id, string? problem) => new Rows(
        new Markup($"Waiting for the first verdict of [bold]{Markup.Escape(id)}[/]… (Ctrl+C to leave)"),
        new Text(problem ?? ""));
}
