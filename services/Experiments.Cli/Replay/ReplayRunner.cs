using System.Diagnostics;
using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;

namespace Experiments.Cli.Replay;

/// <summary>
/// Replays recorded exchanges against the target under both variants. Each exchange is sent once per variant, one
/// after the other in an order drawn per exchange (so neither variant is always the warm second call), with
/// <see cref="ReplayToken.VariantHeader"/> forcing the variant and a <see cref="ReplayToken.TokenHeader"/> signed with
/// the replay key. Exchanges start at their recorded pace scaled by the speed, at most <c>concurrency</c> at a time,
/// until all are done, the maximum duration has passed or the user interrupts.
/// </summary>
internal sealed class ReplayRunner(ReplaySettings settings, Func<CapturedExchange, IReplaySender> senderFor, TimeProvider time)
{
    private readonly ReplayHeaders _headers = new(settings.Headers);
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <summary>The flag to force for each exchange: --flag, else the one flag the exchange recorded a variant for.</summary>
    public static string FlagOf(CapturedExchange exchange, string? flag)
    {
        if (flag is not null)
        {
            return flag;
        }
        return exchange.Variants.Count switch
        {
            1 => exchange.Variants.Keys.First(),
            0 => throw new CliUsageException($"exchange {exchange.CaptureId} ({exchange.ApiName}) recorded no variant: pass --flag FLAG to say which flag to force"),
            _ => throw new CliUsageException(
                $"exchange {exchange.CaptureId} ({exchange.ApiName}) recorded variants of several flags ({string.Join(", ", exchange.Variants.Keys.Order(StringComparer.Ordinal))}): pass --flag FLAG to say which to force"),
        };
    }

    public async Task<ReplayRun> RunAsync(IReadOnlyList<CapturedExchange> exchanges, CancellationToken interrupted)
    {
        var flags = exchanges.Select(e => FlagOf(e, settings.Flag)).ToList();
        var expires = time.GetUtcNow() + settings.MaxDuration;
        foreach (var flag in flags.Distinct(StringComparer.Ordinal))
        {
            foreach (var variant in settings.Variants)
            {
                var header = flag + "=" + variant;
                _tokens[header] = ReplayToken.Create(settings.Key, header, expires);
            }
        }
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        bounded.CancelAfter(settings.MaxDuration);
        var token = bounded.Token;
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var results = new ReplayedExchange?[exchanges.Count];
        var running = new List<Task>();
        var clock = Stopwatch.StartNew();
        var origin = exchanges.Count > 0 ? Start(exchanges[0]) : DateTimeOffset.MinValue;
        var abandoned = 0;
        try
        {
            for (var i = 0; i < exchanges.Count && !token.IsCancellationRequested; i++)
            {
                var start = Start(exchanges[i]);
                var due = start == DateTimeOffset.MinValue || origin == DateTimeOffset.MinValue ? TimeSpan.Zero : settings.Speed.Scale(start - origin);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, token).ConfigureAwait(false);
                }
                await slots.WaitAsync(token).ConfigureAwait(false);
                var index = i;
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        results[index] = await ReplayAsync(exchanges[index], flags[index], token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref abandoned);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped while waiting for the next start or a free slot.
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        var stop = interrupted.IsCancellationRequested ? ReplayStop.Interrupted
            : token.IsCancellationRequested ? ReplayStop.MaxDuration
            : ReplayStop.Completed;
        return new ReplayRun([.. results.OfType<ReplayedExchange>()], abandoned, stop, clock.Elapsed, [.. _headers.Missing]);
    }

    private async Task<ReplayedExchange> ReplayAsync(CapturedExchange exchange, string flag, CancellationToken cancellationToken)
    {
        var sender = senderFor(exchange);
        var baseHeaders = _headers.For(exchange);
        var controlFirst = Random.Shared.Next(2) == 0;
        var order = controlFirst ? settings.Variants : [settings.TreatmentVariant, settings.ControlVariant];
        var outcomes = new Dictionary<string, ReplayOutcome>(StringComparer.Ordinal);
        foreach (var variant in order)
        {
            var header = flag + "=" + variant;
            var headers = new List<KeyValuePair<string, string>>(baseHeaders)
            {
                new(ReplayToken.VariantHeader, header),
                new(ReplayToken.TokenHeader, _tokens[header]),
            };
            outcomes[variant] = await SendAsync(sender, exchange, headers, cancellationToken).ConfigureAwait(false);
        }
        var control = outcomes[settings.ControlVariant];
        var treatment = outcomes[settings.TreatmentVariant];
        return new ReplayedExchange(exchange, flag, control, treatment, ResponseDiff.Compare(exchange, control, treatment));
    }

    private static async Task<ReplayOutcome> SendAsync(IReplaySender sender, CapturedExchange exchange, List<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return await sender.SendAsync(exchange, headers, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Whatever else broke the request (a header the stack refuses, a socket error it does not wrap): no response.
            return new ReplayOutcome(clock.Elapsed.TotalMilliseconds, true, true, "no response: " + exception.Message, []);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static DateTimeOffset Start(CapturedExchange exchange) =>
        exchange.StartTime?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
}
