using System.Diagnostics;
using System.Globalization;
using Experiments.Demo.Trading.MarketData;
using Experiments.Demo.Trading.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// Many users of a trading front end over simulated days, compressed into real time, calling the core over gRPC.
/// Each day every active user runs one session with its own <c>x-user-id</c>: a quote stream (StreamQuotes), one to
/// three orders at the last quote's price (PlaceOrder), then its portfolio (GetPortfolio). Whether it comes back the
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
        var client = new TradingCore.TradingCoreClient(channel);
        using var gate = new SemaphoreSlim(options.Concurrency);
        var tasks = new List<Task>(sessions);
        for (var i = 0; i < sessions; i++)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var user = new SimUser("warmup-" + i.ToString(CultureInfo.InvariantCulture), 0);
            var symbol = Symbols.All[i % Symbols.All.Length];
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await SessionAsync(client, user, symbol, 2, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public async Task<DayProgress> RunAsync(Action<DayProgress>? onDay, CancellationToken cancellationToken)
    {
        using var channel = Channel();
        var client = new TradingCore.TradingCoreClient(channel);
        var runId = Guid.NewGuid().ToString("N")[..6];
        var users = Enumerable.Range(0, options.Users)
            .Select(i => new SimUser(string.Create(CultureInfo.InvariantCulture, $"u-{runId}-{i:D5}"), 0.85 * _random.NextDouble()))
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
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await SessionAsync(client, user, symbol, orders, cancellationToken).ConfigureAwait(false);
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
                user.Active = _random.NextDouble() < Math.Clamp(p, 0.05, 0.98);
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

    private async Task SessionAsync(TradingCore.TradingCoreClient client, SimUser user, string symbol, int orders, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "x-user-id", user.Id }, { "x-client-id", "web-trader/4.2" } };
        var lastPrice = 0.0;
        await CallAsync(user, isOrder: false, async () =>
        {
            using var call = client.StreamQuotes(new StreamQuotesRequest { Symbols = { symbol }, MaxQuotes = options.QuotesPerSession }, headers, Deadline(), cancellationToken);
            await foreach (var quote in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lastPrice = quote.Price;
                var age = (DateTimeOffset.UtcNow - quote.ExchangeTime.ToDateTimeOffset()).TotalMilliseconds;
                lock (user)
                {
                    user.DayQuoteAges.Add(age);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < orders; k++)
        {
            var order = new PlaceOrderRequest
            {
                Symbol = symbol,
                Side = k % 2 == 0 ? Side.Buy : Side.Sell,
                Quantity = 1 + (k * 10),
                LimitPrice = lastPrice > 0 ? lastPrice : 100,
            };
            await CallAsync(user, isOrder: true, async () => await client.PlaceOrderAsync(order, headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        await CallAsync(user, isOrder: false, async () => await client.GetPortfolioAsync(new GetPortfolioRequest(), headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private static async Task CallAsync(SimUser user, bool isOrder, Func<Task> call, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        bool failed;
        try
        {
            await call().ConfigureAwait(false);
            failed = false;
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            failed = true;
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        lock (user)
        {
            user.DayRequests++;
            if (failed)
            {
                user.DayErrors++;
            }
            if (isOrder)
            {
                user.DayOrderLatencies.Add(elapsed);
            }
        }
    }

    private GrpcChannel Channel() => GrpcChannel.ForAddress(options.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
    });

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);

    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private sealed class SimUser(string id, double timeOfDay)
    {
        public string Id { get; } = id;

        /// <summary>When in its day (0–0.85 of it) the user starts its session.</summary>
        public double TimeOfDay { get; } = timeOfDay;

        public bool Active { get; set; } = true;

        public int DayRequests { get; set; }

        public int DayErrors { get; set; }

        public List<double> DayOrderLatencies { get; } = [];

        public List<double> DayQuoteAges { get; } = [];

        public void ResetDay()
        {
            DayRequests = 0;
            DayErrors = 0;
            DayOrderLatencies.Clear();
            DayQuoteAges.Clear();
        }
    }
}
