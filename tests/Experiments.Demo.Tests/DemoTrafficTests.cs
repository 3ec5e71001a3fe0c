using System.Diagnostics;
using System.Globalization;
using System.Text;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Experiments.Demo.Tests;

/// <summary>
/// The demo's recorded client traffic, end to end with real processes: the trading core's SDK records every call,
/// ingestion stores it, and what a user reads back — the captures, the traffic report, a replay of the captures
/// against both variants — is checked against the raw captures and the effect the scenario planted. The simulated
/// clients send secrets that all begin with <c>demo-secret-</c> (bearer tokens and account tokens).
/// </summary>
[Collection(nameof(LauncherDemoTests))]
public sealed class DemoTrafficTests
{
    private const string Web = "web";
    private const string Mobile = "mobile";
    private const string AlgoBot = "algo-bot";
    private const string PlaceOrder = "trading.v1.TradingCore/PlaceOrder";
    private const string LegacyPortfolio = "GET /v1/portfolio/{account}";
    private const string Redacted = "{{redacted}}";
    private static readonly byte[] SecretPrefix = Encoding.UTF8.GetBytes("demo-secret-");

    [Fact]
    public async Task Recorded_traffic_holds_every_client_and_no_secret_and_the_report_puts_the_algo_bot_first_with_its_departures()
    {
        var replayKey = "test-replay-" + Guid.NewGuid().ToString("N");
        List<CapturedExchange> exchanges = [];
        long pagesWithSecret = 0;
        TrafficReport? report = null;
        string replayOutput = "";
        Verdict? replay = null;
        await DemoRun.RunAsync("p99-regression", "40s", ["--replay-key", replayKey], users: 800, whileServing: async (final, port) =>
        {
            using var channel = GrpcChannel.ForAddress(Address(port + 1), new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
            var captures = new Captures.CapturesClient(channel.WithApiKey(DemoRun.ApiKey));
            // The live traffic after the verdict comes in real time: within a minute or two the algo-bot's polls of the legacy
            // route exceed its 60 calls a minute, whatever clock dated the simulated days' captures.
            var clock = Stopwatch.StartNew();
            do
            {
                report = await captures.GetTrafficReportAsync(new GetTrafficReportRequest { Filter = new CaptureFilter { ServiceName = "trading-core" } });
                if (Departures(report, AlgoBot).Any(d => d.Kind == UsageDepartureKind.RateExceeded))
                {
                    break;
                }
                await Task.Delay(TimeSpan.FromSeconds(3));
            }
            while (clock.Elapsed < TimeSpan.FromSeconds(150));

            // Every capture, read raw: no byte sequence of any secret anywhere in what ListCaptures returns.
            var request = new ListCapturesRequest { PageSize = 1000 };
            do
            {
                var page = await captures.ListCapturesAsync(request);
                if (page.ToByteArray().AsSpan().IndexOf(SecretPrefix) >= 0)
                {
                    pagesWithSecret++;
                }
                exchanges.AddRange(page.Exchanges);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            replay = await ReplayAsync(port, replayKey, output => replayOutput = output);
        });

        Assert.Equal(0, pagesWithSecret);
        Assert.NotEmpty(exchanges);
        // Each client's traffic is there, gRPC and HTTP alike.
        var byClient = exchanges.GroupBy(e => e.ClientId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var client in (string[])[Web, Mobile, AlgoBot])
        {
            Assert.True(byClient.GetValueOrDefault(client) > 0, $"no captures from {client}: {string.Join(", ", byClient.Select(p => p.Key + "=" + p.Value))}");
        }
        var legacy = exchanges.Where(e => e.ApiName == LegacyPortfolio).ToList();
        Assert.NotEmpty(legacy);
        Assert.All(legacy, e =>
        {
            Assert.Equal(CaptureProtocol.Http, e.Protocol);
            Assert.Equal(AlgoBot, e.ClientId);
            Assert.StartsWith("/v1/portfolio/", e.Path, StringComparison.Ordinal);
        });
        // The secrets were sent and redacted, not merely absent: every call carried a bearer token, every order an account token.
        Assert.All(exchanges, e => Assert.Contains(e.RequestHeaders, h => h.Name == "authorization" && h.Value == Redacted));
        var orders = exchanges.Where(e => e.ApiName == PlaceOrder && e.RequestMessages.Count > 0).ToList();
        Assert.NotEmpty(orders);
        Assert.All(orders, e =>
        {
            Assert.Contains(e.Redactions, r => r.Contains("account_token", StringComparison.Ordinal));
            Assert.Equal(Redacted, JsonParser.Default.Parse<Demo.Trading.V1.PlaceOrderRequest>(e.RequestMessages[0].Text).AccountToken);
        });

        // The report puts the algo-bot first, as the raw captures say it should: its share of the slowest calls (at or
        // above their API's nearest-rank p99) over its share of calls is the highest.
        Assert.NotNull(report);
        Assert.Equal(AlgoBot, SlowestOverCallShare(exchanges).First().Client);
        Assert.Equal(AlgoBot, report.Clients[0].ClientId);
        Assert.True(report.Clients[0].SlowestShare > report.Clients[0].CallShare, $"algo-bot: slowest share {report.Clients[0].SlowestShare} <= call share {report.Clients[0].CallShare}");
        var departures = Departures(report, AlgoBot);
        Assert.Contains(departures, d => d.Kind == UsageDepartureKind.Deprecated && d.ApiName == LegacyPortfolio);
        Assert.Contains(departures, d => d.Kind == UsageDepartureKind.RateExceeded && d.ApiName == LegacyPortfolio);
        Assert.Contains(departures, d => d.Kind == UsageDepartureKind.OutOfOrder && d.ApiName == PlaceOrder);
        // The apps use the API as intended.
        Assert.Empty(Departures(report, Web));
        Assert.Empty(Departures(report, Mobile));

        // Replayed against both variants, the apps' recorded traffic shows the planted tail: PlaceOrder's p99 guardrail.
        Assert.True(replay is not null, "the replay printed no verdict:\n" + replayOutput);
        var p99 = replay.KpiResults.SingleOrDefault(k => k.Kind == KpiKind.LatencyP99 && k.ApiName == PlaceOrder);
        Assert.True(p99 is not null, "no p99 KPI on PlaceOrder in the replay:\n" + replayOutput);
        Assert.True(p99.Comparisons.Single().GuardrailStatus == GuardrailStatus.BeyondTolerance, "the replay did not flag PlaceOrder's p99:\n" + replayOutput);
        Assert.Equal(VerdictDecision.RollBack, replay.Decision);
    }

    /// <summary>
    /// What a user runs after the demo: <c>exp traffic export --client web --client mobile --format jsonl</c>, then
    /// <c>exp replay</c> of that file against the core under control and new-router; the replay's verdict (JSON).
    /// </summary>
    private static async Task<Verdict?> ReplayAsync(int port, string replayKey, Action<string> output)
    {
        var folder = Path.Combine(Path.GetTempPath(), "experiments-demo-replay", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var file = Path.Combine(folder, "demo.captures.jsonl");
            var export = await ExpAsync(folder, replayKey, "traffic", "export", "--client", Web, "--client", Mobile, "--format", "jsonl", "--out", file,
                "--ingestion-url", Address(port + 1));
            output("exp traffic export:\n" + export);
            Assert.True(File.Exists(file), "exp traffic export wrote no file:\n" + export);
            var replayed = await ExpAsync(folder, replayKey, "replay", "--capture", file, "--target", Address(port + 9), "--flag", "order-routing",
                "--variant", "control", "--variant", "new-router", "--speed", "max", "--statistics-url", Address(port + 2), "--json");
            output("exp traffic export:\n" + export + "\nexp replay:\n" + replayed);
            var start = replayed.IndexOf('{', StringComparison.Ordinal);
            return start < 0 ? null : JsonParser.Default.Parse<Verdict>(replayed[start..(replayed.LastIndexOf('}') + 1)]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> ExpAsync(string folder, string replayKey, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "exp.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = folder;
        start.Environment["EXP_API_KEY"] = DemoRun.ApiKey;
        start.Environment["EXP_REPLAY_KEY"] = replayKey;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start exp");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        return $"exit code {(process.HasExited ? process.ExitCode : -1)}\n{await stdout}\n{await stderr}";
    }

    private static List<UsageDeparture> Departures(TrafficReport report, string client) =>
        report.Clients.FirstOrDefault(c => c.ClientId == client)?.Departures.ToList() ?? [];

    /// <summary>
    /// Clients by their share of the slowest calls over their share of calls, computed here from the captures: a call is
    /// one of the slowest when it takes at least its API's 99th percentile, nearest rank (the ⌈0.99·n⌉-th smallest).
    /// </summary>
    private static List<(string Client, double Ratio)> SlowestOverCallShare(List<CapturedExchange> exchanges)
    {
        var threshold = exchanges.GroupBy(e => e.ApiName).ToDictionary(g => g.Key, g =>
        {
            var sorted = g.Select(e => e.DurationMs).Order().ToList();
            return sorted[(int)Math.Ceiling(0.99 * sorted.Count) - 1];
        });
        var slow = exchanges.Where(e => e.DurationMs >= threshold[e.ApiName]).ToList();
        return exchanges.GroupBy(e => e.ClientId)
            .Select(g => (g.Key, Ratio: ((double)slow.Count(e => e.ClientId == g.Key) / slow.Count) / ((double)g.Count() / exchanges.Count)))
            .OrderByDescending(c => c.Ratio)
            .ToList();
    }

    private static string Address(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
}
