using System.Text.RegularExpressions;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Grpc.Net.Client;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// The statistics service as a real process (gRPC on <c>--urls</c>, the dashboard on its own HTTP/1.1 port),
/// definitions streamed by an assignment double, five experiments seeded through StatisticsIntake.Forward, and a
/// headless Chromium driven by Playwright. Shared by the browser tests of one class.
/// </summary>
public sealed partial class DashboardFixture : IAsyncLifetime
{
    /// <summary>The development key of the service's appsettings.json (admin, ingest, read).</summary>
    private const string ApiKey = "dev-local-key";

    /// <summary>The development key of the service-to-service channel (scope internal), which StatisticsIntake.Forward needs.</summary>
    private const string InternalApiKey = "dev-internal-key";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "dashboard-tests-" + Guid.NewGuid().ToString("N"));
    private AssignmentDouble? _assignment;
    private ServiceProcess? _statistics;
    private GrpcChannel? _channel;
    private IPlaywright? _playwright;

    public static DateTimeOffset Start { get; } = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-2);

    public Experiment MatchingEngine { get; } = DemoExperiments.MatchingEngine(Start);

    public Experiment QuoteCache { get; } = DemoExperiments.QuoteCache(Start);

    public Experiment BrokerAdapter { get; } = DemoExperiments.BrokerAdapter(Start);

    public Experiment OrderRouter { get; } = DemoExperiments.OrderRouter(Start);

    public Experiment TradingCore { get; } = DemoExperiments.TradingCore(Start);

    public Experiment Unshowable { get; } = DemoExperiments.Unshowable(Start);

    /// <summary>What the assignment double serves and recorded (the statistics service's automatic rollbacks).</summary>
    internal AssignmentDouble Definitions => _assignment ?? throw new InvalidOperationException("Not started.");

    internal DemoTraffic QuoteCacheTraffic { get; private set; } = null!;

    internal StatisticsClient Client { get; private set; } = null!;

    internal StatisticsIntake.StatisticsIntakeClient Intake { get; private set; } = null!;

    public string DashboardAddress { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: TestResults/dashboard under the test output folder.</summary>
    public string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");

    public async Task InitializeAsync()
    {
        if (!Chromium.Installed)
        {
            return;
        }
        Directory.CreateDirectory(ScreenshotFolder);
        _assignment = await AssignmentDouble.StartAsync(0, MatchingEngine, QuoteCache, BrokerAdapter, OrderRouter, TradingCore, Unshowable);
        _assignment.SetAudit(MatchingEngine.Id, DemoExperiments.MatchingEngineAudit(Start));
        _assignment.SetAudit(OrderRouter.Id, DemoExperiments.OrderRouterAudit(Start));
        _assignment.MakeAuditUnavailable(BrokerAdapter.Id);

        _statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
            "--Data:Folder=" + _data,
            "--Statistics:AssignmentAddress=" + _assignment.Address,
            "--Statistics:AssignmentApiKey=" + ApiKey,
            "--Statistics:VerdictInterval=00:00:00.050",
            "--Statistics:CheckpointInterval=00:00:00.050",
            "--Dashboard:Urls=http://127.0.0.1:0",
            "--Dashboard:LiveInterval=00:00:00.200");
        DashboardAddress = DashboardLine().Match(_statistics.Output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("The statistics service did not report the dashboard's address:\n" + _statistics.Output);
        _channel = GrpcChannel.ForAddress(_statistics.Address);
        Client = new StatisticsClient(_channel.WithApiKey(ApiKey));
        Intake = new StatisticsIntake.StatisticsIntakeClient(_channel.WithApiKey(InternalApiKey));

        await SeedAsync(MatchingEngine, new DemoTraffic(MatchingEngine, seed: 11) { TreatmentLatency = { [DemoTraffic.PlaceOrder] = 0.82 } }, users: 3000, "seed-matching");
        QuoteCacheTraffic = new DemoTraffic(QuoteCache, seed: 12) { TreatmentLatency = { [DemoTraffic.GetQuote] = 0.7 } };
        await SeedAsync(QuoteCache, QuoteCacheTraffic, users: 120, "seed-quote-1");
        await SeedAsync(BrokerAdapter, new DemoTraffic(BrokerAdapter, seed: 13) { TreatmentErrorRate = 0.08 }, users: 3000, "seed-broker");
        await SeedAsync(OrderRouter, new DemoTraffic(OrderRouter, seed: 14) { TreatmentErrorRate = 0.06 }, users: 3000, "seed-router");
        await SeedAsync(TradingCore, new DemoTraffic(TradingCore, seed: 15) { Apis = DemoExperiments.TradingApis, TreatmentLatency = { [DemoExperiments.TradingPlaceOrder] = 0.8 } }, users: 1500, "seed-trading");

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath, Headless = true, Args = Chromium.Arguments,
        });
    }

    /// <summary>Forwards <paramref name="users"/> new users' events and waits for the verdict that includes all of them.</summary>
    internal async Task<Verdict> SeedAsync(Experiment experiment, DemoTraffic traffic, int users, string logId)
    {
        var events = traffic.NextUsers(users, Start.AddMinutes(10).AddSeconds(traffic.Users * 7));
        await Intake.ForwardAsync(logId, events);
        return await FinalVerdictAsync(experiment, traffic);
    }

    /// <summary>The verdict computed from everything <paramref name="traffic"/> generated (every exposure and request applied).</summary>
    internal Task<Verdict> FinalVerdictAsync(Experiment experiment, DemoTraffic traffic) =>
        Client.WaitForVerdictAsync(experiment.Id, v =>
            v.Horizon.Units == traffic.Users
            && v.KpiResults.Where(k => k.ApiName.Length > 0).All(k => k.Arms.Sum(a => a.Observations) == traffic.Requests.GetValueOrDefault(k.ApiName)),
            TimeSpan.FromSeconds(60));

    /// <summary>A new page of its own context (close it after the test), collecting console errors and uncaught exceptions.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> OpenAsync(string path, int width = 1366, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, DeviceScaleFactor = 1 });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (errors)
                {
                    errors.Add($"console {message.Type}: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add("uncaught: " + error);
            }
        };
        await page.GotoAsync(DashboardAddress + path);
        return (context, page, errors);
    }

    /// <summary>Saves a full-page screenshot and returns its path.</summary>
    public async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // sticky navigation at the top, where a reader sees it
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public string ServiceOutput => _statistics?.Output ?? "";

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        _channel?.Dispose();
        if (_statistics is not null)
        {
            await _statistics.DisposeAsync();
        }
        if (_assignment is not null)
        {
            await _assignment.DisposeAsync();
        }
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [GeneratedRegex(@"Dashboard listening on: (http://\S+)")]
    private static partial Regex DashboardLine();
}
