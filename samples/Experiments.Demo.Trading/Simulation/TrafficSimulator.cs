using System.Diagnostics;
using System.Globalization;
using Experiments.Demo.Trading.MarketData;
using Experiments.Demo.Trading.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// Many users of a trading front end over simulated days, compressed into real time, calling the core over gRPC.
/// Each day every active user runs one session with its own <c>x-user-id</c>, through its client app (<c>x-client-id</c>
/// web, mobile or algo-bot; see <see cref="ClientSessions"/>): for the apps, its portfolio (GetPortfolio), a quote stream
/// (StreamQuotes), one to three orders at the last quote's price (PlaceOrder). Whether a user comes back the
/// next day depends on what it experienced: every failed call, every slow order (above 100 ms) and every stale quote
/// (older than 40 ms on arrival) lowers its chance of returning. So a variant with a slow tail, more broker errors or
/// staler quotes loses users, which day-1 retention measures.
/// </summary>
public sealed class TrafficSimulator(TrafficOptions options)
{
    private const double SlowOrderMs = 100;
    private const double StaleQuoteMs = 40;

    private readonly Random _random = new(options.Seed);

    /// <summary>
    /// Runs <paramref name="sessions"/> sessions of throwaway users (<c>warmup-…</c>) at full concurrency, before any
    /// experiment exists: a cold process (JIT, thread pool growth, connection set-up) stalls its first calls by
    /// hundreds of milliseconds in both arms alike, which would blur a planted tail in the first looks.
    /// </summary>
    public async Task WarmUpAsync(int sessions, CancellationToken cancellationToken)
    {
        using var channel = Channel();
        using var http = LegacyHttp();
        var client = new ClientSessions(new TradingCore.TradingCoreClient(channel), http, options);
        using var gate = new SemaphoreSlim(options.Concurrency);
        var tasks = new List<Task>(sessions);
        for (var i = 0; i < sessions; i++)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var user = new SimUser("warmup-" + i.ToString(CultureInfo.InvariantCulture), 0, SimClient.Web, Secret());
            var symbol = Symbols.All[i % Symbols.All.Length];
            var random = new Random(_random.Next());
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await client.RunAsync(user, symbol, 2, random, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// Traffic in real time after the simulated days, until cancelled: <paramref name="sessionsPerSecond"/> sessions a
    /// second, each of a user drawn from <paramref name="users"/> live users of the same mix of clients. It keeps the
    /// core's traffic (and so its captures) flowing, dated now, while the services serve on.
    /// </summary>
    public async Task RunLiveAsync(int users, double sessionsPerSecond, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(users);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sessionsPerSecond);
        using var channel = Channel();
        using var http = LegacyHttp();
        var client = new ClientSessions(new TradingCore.TradingCoreClient(channel), http, options);
        var runId = Guid.NewGuid().ToString("N")[..6];
        var population = Enumerable.Range(0, users)
            .Select(i => new SimUser(string.Create(CultureInfo.InvariantCulture, $"live-{runId}-{i:D4}"), 0, ClientOf(_random.NextDouble()), Secret()))
            .ToList();
        using var gate = new SemaphoreSlim(options.Concurrency);
        var interval = TimeSpan.FromSeconds(1 / sessionsPerSecond);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!gate.Wait(0))
                {
                    continue; // the core is behind: skip this tick rather than pile up sessions
                }
                var user = population[_random.Next(population.Count)];
                var symbol = Symbols.All[_random.Next(Symbols.All.Length)];
                var orders = 1 + _random.Next(3);
                var random = new Random(_random.Next());
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await client.RunAsync(user, symbol, orders, random, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is RpcException or HttpRequestException or OperationCanceledException && cancellationToken.IsCancellationRequested)
                    {
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        // Let the sessions in flight end (they are cancelled too) before the channel and gate go.
        for (var i = 0; i < options.Concurrency; i++)
        {
            await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task<DayProgress> RunAsync(Action<DayProgress>? onDay, CancellationToken cancellationToken)
    {
        using var channel = Channel();
        using var http = LegacyHttp();
        var client = new ClientSessions(new TradingCore.TradingCoreClient(channel), http, options);
        var runId = Guid.NewGuid().ToString("N")[..6];
        var users = Enumerable.Range(0, options.Users)
            .Select(i => new SimUser(string.Create(CultureInfo.InvariantCulture, $"u-{runId}-{i:D5}"), 0.85 * _random.NextDouble(), ClientOf(_random.NextDouble()), Secret()))
            .ToList();
        var dayLength = options.Duration / options.Days;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(options.Concurrency);
        DayProgress last = new(0, 0, 0, 0, 0, 0, 0);
        long totalRequests = 0, totalErrors = 0;
        for (var day = 0; day < options.Days && !cancellationToken.IsCancellationRequested; day++)
        {
            // A user comes at its own time of day, one to two hours (of event time) later on each following day, so a
            // return on day N lands a little over N days after its first exposure, where day-N retention looks for it.
            var dayStart = dayLength * day;
            var active = users.Where(u => u.Active)
                .Select(u => (User: u, Due: dayStart + (dayLength * (u.TimeOfDay + (day == 0 ? 0 : 0.04 + (0.04 * _random.NextDouble()))))))
                .OrderBy(s => s.Due)
                .ToList();
            var tasks = new List<Task>(active.Count);
            for (var i = 0; i < active.Count; i++)
            {
                var wait = active[i].Due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                var user = active[i].User;
                var orders = 1 + _random.Next(3);
                var symbol = Symbols.All[_random.Next(Symbols.All.Length)];
                var random = new Random(_random.Next());
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await client.RunAsync(user, symbol, orders, random, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, cancellationToken));
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
            long requests = 0, errors = 0;
            var orderLatencies = new List<double>();
            var quoteAges = new List<double>();
            foreach (var (user, _) in active)
            {
                requests += user.DayRequests;
                errors += user.DayErrors;
                orderLatencies.AddRange(user.DayOrderLatencies);
                quoteAges.AddRange(user.DayQuoteAges);
                // The day's experience decides whether the user comes back tomorrow.
                var p = options.BaseReturnProbability - (0.25 * user.DayErrors) - (0.15 * user.DayOrderLatencies.Count(l => l > SlowOrderMs))
                    - (0.10 * user.DayQuoteAges.Count(a => a > StaleQuoteMs));
                // A bot comes back every day, whatever it saw.
                user.Active = user.Client == SimClient.AlgoBot || _random.NextDouble() < Math.Clamp(p, 0.05, 0.98);
                user.ResetDay();
            }
            totalRequests += requests;
            totalErrors += errors;
            orderLatencies.Sort();
            quoteAges.Sort();
            last = new DayProgress(day, active.Count, requests, errors, Quantile(orderLatencies, 0.5), Quantile(orderLatencies, 0.99), Quantile(quoteAges, 0.99));
            onDay?.Invoke(last);
            var dayEnd = dayLength * (day + 1);
            if (dayEnd - clock.Elapsed is { } rest && rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken).ConfigureAwait(false);
            }
        }
        return last with { Requests = totalRequests, Errors = totalErrors };
    }

    private GrpcChannel Channel() => GrpcChannel.ForAddress(options.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
    });

    /// <summary>The core's legacy JSON route (HTTP/2 without TLS: see <see cref="ClientSessions"/>).</summary>
    private HttpClient LegacyHttp() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = new Uri(options.BaseAddress),
    };

    private SimClient ClientOf(double draw) =>
        draw < options.AlgoBotShare ? SimClient.AlgoBot : draw < options.AlgoBotShare + options.MobileShare ? SimClient.Mobile : SimClient.Web;

    private string Secret() => _random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
