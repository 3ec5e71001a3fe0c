using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Experiments.Demo.Trading.Core;
using Experiments.Demo.Trading.V1;
using Grpc.Core;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// What one session of a user does, per client. The web and mobile apps use the API as intended: the portfolio before
/// any order, a quote stream, one to three small orders at the last quote's price. The algo-bot — a few percent of the
/// users — does not: its scripts still poll the deprecated JSON route <c>GET /v1/portfolio/{account}</c> in bursts (far
/// above its rate limit), never call GetPortfolio, and place a large order (2,000–5,000 shares: the pre-trade risk
/// check makes it one of the slowest calls) and a small one each session.
/// </summary>
internal sealed class ClientSessions(TradingCore.TradingCoreClient core, HttpClient legacy, TrafficOptions options)
{
    /// <summary>Legacy-route polls per burst; the bot sends a burst before and after its orders.</summary>
    public const int PollsPerBurst = 10;

    public Task RunAsync(SimUser user, string symbol, int orders, Random random, CancellationToken cancellationToken) => user.Client switch
    {
        SimClient.Web => WebAsync(user, symbol, orders, cancellationToken),
        SimClient.Mobile => MobileAsync(user, symbol, orders, cancellationToken),
        _ => AlgoBotAsync(user, symbol, random, cancellationToken),
    };

    private async Task WebAsync(SimUser user, string symbol, int orders, CancellationToken cancellationToken)
    {
        await PortfolioAsync(user, cancellationToken).ConfigureAwait(false);
        var lastPrice = await QuotesAsync(user, symbol, cancellationToken).ConfigureAwait(false);
        await OrdersAsync(user, symbol, orders, lastPrice, cancellationToken).ConfigureAwait(false);
        await PortfolioAsync(user, cancellationToken).ConfigureAwait(false);
    }

    private async Task MobileAsync(SimUser user, string symbol, int orders, CancellationToken cancellationToken)
    {
        var lastPrice = await QuotesAsync(user, symbol, cancellationToken).ConfigureAwait(false);
        await PortfolioAsync(user, cancellationToken).ConfigureAwait(false);
        await OrdersAsync(user, symbol, orders, lastPrice, cancellationToken).ConfigureAwait(false);
    }

    private async Task AlgoBotAsync(SimUser user, string symbol, Random random, CancellationToken cancellationToken)
    {
        await PollLegacyAsync(user, cancellationToken).ConfigureAwait(false);
        var large = new PlaceOrderRequest { Symbol = symbol, Side = Side.Buy, Quantity = random.Next(2_000, 5_001), LimitPrice = 100, AccountToken = user.AccountToken };
        await CallAsync(user, isOrder: false, async () => await core.PlaceOrderAsync(large, user.Headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var small = new PlaceOrderRequest { Symbol = symbol, Side = Side.Sell, Quantity = 100, LimitPrice = 100, AccountToken = user.AccountToken };
        await CallAsync(user, isOrder: false, async () => await core.PlaceOrderAsync(small, user.Headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await PollLegacyAsync(user, cancellationToken).ConfigureAwait(false);
    }

    private Task PortfolioAsync(SimUser user, CancellationToken cancellationToken) =>
        CallAsync(user, isOrder: false, async () => await core.GetPortfolioAsync(new GetPortfolioRequest(), user.Headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>Streams the session's quotes; returns the last price (0 when none arrived).</summary>
    private async Task<double> QuotesAsync(SimUser user, string symbol, CancellationToken cancellationToken)
    {
        var lastPrice = 0.0;
        await CallAsync(user, isOrder: false, async () =>
        {
            using var call = core.StreamQuotes(new StreamQuotesRequest { Symbols = { symbol }, MaxQuotes = options.QuotesPerSession }, user.Headers, Deadline(), cancellationToken);
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
        return lastPrice;
    }

    private async Task OrdersAsync(SimUser user, string symbol, int orders, double lastPrice, CancellationToken cancellationToken)
    {
        for (var k = 0; k < orders; k++)
        {
            var order = new PlaceOrderRequest
            {
                Symbol = symbol,
                Side = k % 2 == 0 ? Side.Buy : Side.Sell,
                Quantity = 1 + (k * 10),
                LimitPrice = lastPrice > 0 ? lastPrice : 100,
                AccountToken = user.AccountToken,
            };
            await CallAsync(user, isOrder: true, async () => await core.PlaceOrderAsync(order, user.Headers, Deadline(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PollLegacyAsync(SimUser user, CancellationToken cancellationToken)
    {
        for (var i = 0; i < PollsPerBurst; i++)
        {
            await CallAsync(user, isOrder: false, async () =>
            {
                // HTTP/2 without TLS (prior knowledge): the core's port speaks HTTP/2 only. A request message of one's own
                // carries its own version; the client's defaults apply to its shortcut methods only.
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/portfolio/" + Uri.EscapeDataString(user.Id))
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(user.Authorization);
                foreach (var header in user.Headers.Where(h => h.Key != "authorization"))
                {
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                using var response = await legacy.SendAsync(request, timeout.Token).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException("legacy portfolio route answered " + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), null, response.StatusCode);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
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
        catch (Exception e) when (e is RpcException or HttpRequestException or OperationCanceledException)
        {
            // The run is over (a rollback or Ctrl+C): the call was cut, not failed, and the run ends as cancelled.
            cancellationToken.ThrowIfCancellationRequested();
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

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);
}
