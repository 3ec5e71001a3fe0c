using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace Experiments.Demo.Trading;

/// <summary>Traffic simulator settings.</summary>
public sealed class TrafficOptions
{
    /// <summary>The trading backend.</summary>
    public string BaseAddress { get; set; } = "http://127.0.0.1:5110";

    /// <summary>Users active on day 0.</summary>
    public int Users { get; set; } = 2_000;

    /// <summary>Simulated days, compressed into <see cref="Duration"/> of real time.</summary>
    public int Days { get; set; } = 7;

    /// <summary>Real time the whole simulation takes.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Sessions in flight at most.</summary>
    public int Concurrency { get; set; } = 48;

    /// <summary>Chance that a user with a flawless day comes back the next day.</summary>
    public double BaseReturnProbability { get; set; } = 0.85;

    /// <summary>Seed of the simulation's own randomness (order sizes, symbols, returns).</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Parses "30s", "2m", "90" (seconds) or a TimeSpan ("00:01:30").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        var invariant = CultureInfo.InvariantCulture;
        if (text.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(double.Parse(text[..^2], invariant));
        }
        if (text.EndsWith('s'))
        {
            return TimeSpan.FromSeconds(double.Parse(text[..^1], invariant));
        }
        if (text.EndsWith('m'))
        {
            return TimeSpan.FromMinutes(double.Parse(text[..^1], invariant));
        }
        if (text.EndsWith('h'))
        {
            return TimeSpan.FromHours(double.Parse(text[..^1], invariant));
        }
        return double.TryParse(text, NumberStyles.Float, invariant, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.Parse(text, invariant);
    }
}

/// <summary>Progress after one simulated day.</summary>
public sealed record DayProgress(int Day, int ActiveUsers, long Requests, long Errors, double OrdersP50Ms, double OrdersP99Ms)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"  day {Day}: {ActiveUsers} users active, {Requests} requests, {Errors} errors, orders p50 {OrdersP50Ms:F1} ms p99 {OrdersP99Ms:F1} ms (as seen by the clients)");
}

/// <summary>
/// Many users of a trading front end over simulated days, compressed into real time. Each day every active user
/// runs one session (quotes, one to three orders, the portfolio) with its own <c>x-user-id</c>; whether it comes
/// back the next day depends on what it experienced: every failed request and every slow order (above 100 ms)
/// lowers its chance of returning. So a variant with a slow tail or more broker errors loses users, and sends
/// fewer requests per user (engagement), which the statistics service measures.
/// </summary>
public sealed class TrafficSimulator(TrafficOptions options)
{
    private readonly Random _random = new(options.Seed);

    public async Task<DayProgress> RunAsync(Action<DayProgress>? onDay, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(options.BaseAddress), Timeout = TimeSpan.FromSeconds(10) };
        var runId = Guid.NewGuid().ToString("N")[..6];
        var users = Enumerable.Range(0, options.Users)
            .Select(i => new SimUser(string.Create(CultureInfo.InvariantCulture, $"u-{runId}-{i:D5}"), 0.85 * _random.NextDouble()))
            .ToList();
        var dayLength = options.Duration / options.Days;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(options.Concurrency);
        DayProgress last = new(0, 0, 0, 0, 0, 0);
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
            var orderLatencies = new List<double>();
            for (var i = 0; i < active.Count; i++)
            {
                var due = active[i].Due;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                var user = active[i].User;
                var orders = 1 + _random.Next(3);
                var symbol = MarketData.Symbols[_random.Next(MarketData.Symbols.Length)];
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await SessionAsync(http, user, symbol, orders, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, cancellationToken));
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
            long requests = 0, errors = 0;
            foreach (var (user, _) in active)
            {
                requests += user.DayRequests;
                errors += user.DayErrors;
                orderLatencies.AddRange(user.DayOrderLatencies);
                // The day's experience decides whether the user comes back tomorrow.
                var p = options.BaseReturnProbability - (0.25 * user.DayErrors) - (0.15 * user.DayOrderLatencies.Count(l => l > 100));
                user.Active = _random.NextDouble() < Math.Clamp(p, 0.05, 0.98);
                user.ResetDay();
            }
            totalRequests += requests;
            totalErrors += errors;
            orderLatencies.Sort();
            last = new DayProgress(day, active.Count, requests, errors, Quantile(orderLatencies, 0.5), Quantile(orderLatencies, 0.99));
            onDay?.Invoke(last);
            var dayEnd = dayLength * (day + 1);
            if (dayEnd - clock.Elapsed is { } rest && rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken).ConfigureAwait(false);
            }
        }
        return last with { Requests = totalRequests, Errors = totalErrors };
    }

    private static async Task SessionAsync(HttpClient http, SimUser user, string symbol, int orders, CancellationToken cancellationToken)
    {
        await SendAsync(http, user, HttpMethod.Get, "/api/quotes/" + symbol, null, isOrder: false, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < orders; k++)
        {
            var order = new OrderRequest(symbol, k % 2 == 0 ? "buy" : "sell", 1 + (k * 10));
            await SendAsync(http, user, HttpMethod.Post, "/api/orders", order, isOrder: true, cancellationToken).ConfigureAwait(false);
        }
        await SendAsync(http, user, HttpMethod.Get, "/api/portfolio", null, isOrder: false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task SendAsync(HttpClient http, SimUser user, HttpMethod method, string path, OrderRequest? body, bool isOrder, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-user-id", user.Id);
        request.Headers.Add("x-client-id", "web-trader/4.2");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        var start = Stopwatch.GetTimestamp();
        bool failed;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            failed = (int)response.StatusCode >= 500;
        }
        catch (HttpRequestException)
        {
            failed = true;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
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

        public void ResetDay()
        {
            DayRequests = 0;
            DayErrors = 0;
            DayOrderLatencies.Clear();
        }
    }
}
