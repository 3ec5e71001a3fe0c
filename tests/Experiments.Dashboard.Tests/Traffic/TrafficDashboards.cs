using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Experiments.Contracts.V1;
using Experiments.Dashboard.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Experiments.Tests.Shared;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>
/// The statistics service as a real process whose dashboard reads traffic reports from <see cref="Ingestion"/> (a
/// Captures double on loopback, serving <see cref="SampleTraffic"/>) — or from no ingestion, or from one that is not
/// there — with a headless Chromium. Besides the development keys it accepts <see cref="ReadOnlyKey"/> (read) and
/// <see cref="CaptureKey"/> (read and capture).
/// </summary>
public abstract partial class TrafficDashboard : IAsyncLifetime
{
    /// <summary>The key the dashboard presents to ingestion (Dashboard:IngestionApiKey); the double records what it receives.</summary>
    public const string IngestionKey = "dashboard-capture-key-for-tests";

    public const string ReadOnlyKey = "read-only-key-for-traffic-tests";

    public const string CaptureKey = "capture-key-for-traffic-tests";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "dashboard-traffic-" + Guid.NewGuid().ToString("N"));
    private ServiceProcess? _statistics;
    private IPlaywright? _playwright;
    private GrpcTestServer? _ingestionServer;

    internal CapturesDouble? Ingestion { get; private set; }

    public TrafficReport Report { get; } = SampleTraffic.Report();

    public string DashboardAddress { get; private set; } = "";

    public IBrowser? Browser { get; private set; }

    public string ServiceOutput => _statistics?.Output ?? "";

    /// <summary>Whether to start the Captures double (and point Dashboard:IngestionAddress at it).</summary>
    protected virtual bool WithIngestion => true;

    /// <summary>Settings beyond the data folder, the keys and (with the double) the ingestion address and key, after starting whatever peer they name.</summary>
    protected abstract Task<string[]> ArgumentsAsync();

    public async Task InitializeAsync()
    {
        List<string> arguments =
        [
            "--Data:Folder=" + _data,
            "--Auth:ApiKeys:2:Key=" + ReadOnlyKey,
            "--Auth:ApiKeys:2:Name=read-only",
            "--Auth:ApiKeys:2:Scopes:0=read",
            "--Auth:ApiKeys:3:Key=" + CaptureKey,
            "--Auth:ApiKeys:3:Name=traffic-reader",
            "--Auth:ApiKeys:3:Scopes:0=read",
            "--Auth:ApiKeys:3:Scopes:1=capture",
            .. await ArgumentsAsync(),
        ];
        if (WithIngestion)
        {
            Ingestion = new CapturesDouble();
            Ingestion.Reports[""] = Report;
            Ingestion.Reports["quiet-backend"] = new TrafficReport { BucketSeconds = 60 };
            Ingestion.Refusals["forbidden-backend"] = Grpc.Core.StatusCode.PermissionDenied;
            _ingestionServer = await Ingestion.StartAsync(loopback: true);
            arguments.Add("--Dashboard:IngestionAddress=" + _ingestionServer.Address);
            arguments.Add("--Dashboard:IngestionApiKey=" + IngestionKey);
        }
        _statistics = await ServiceProcess.StartAsync("Experiments.Statistics", [.. arguments]);
        DashboardAddress = DashboardLine().Match(_statistics.Output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("The statistics service did not report the dashboard's address:\n" + _statistics.Output);
        if (Chromium.Installed)
        {
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium.ExecutablePath, Headless = true, Args = Chromium.Arguments,
            });
        }
    }

    /// <summary>A new page of its own context (close it after the test), collecting console errors and uncaught exceptions.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> OpenAsync(string path, int width = 1366, int height = 900)
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, DeviceScaleFactor = 1 });
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

    /// <summary>Saves a full-page screenshot into TestResults/dashboard and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_statistics is not null)
        {
            await _statistics.DisposeAsync();
        }
        if (_ingestionServer is not null)
        {
            await _ingestionServer.DisposeAsync();
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

/// <summary>On loopback, open, reading reports from the Captures double.</summary>
public sealed class OpenTrafficDashboard : TrafficDashboard
{
    protected override Task<string[]> ArgumentsAsync() => Task.FromResult<string[]>(["--Dashboard:Urls=http://127.0.0.1:0"]);
}

/// <summary>Sign-in required (on loopback), reading reports from the Captures double.</summary>
public sealed class SignInTrafficDashboard : TrafficDashboard
{
    protected override Task<string[]> ArgumentsAsync() => Task.FromResult<string[]>(["--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:RequireSignIn=true"]);
}

/// <summary>
/// Sign-in required (on loopback) with an OpenID Connect provider double: its "experiments-readers" group may read, and
/// its "traffic-analysts" group gets the capture scope too.
/// </summary>
public sealed class OpenIdConnectTrafficDashboard : TrafficDashboard
{
    public const string AnalystsGroup = "traffic-analysts";

    public IdentityProviderDouble Provider { get; private set; } = null!;

    protected override async Task<string[]> ArgumentsAsync()
    {
        Provider = await IdentityProviderDouble.StartAsync("dashboard-traffic-tests");
        return
        [
            "--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:RequireSignIn=true",
            "--Dashboard:OpenIdConnect:Authority=" + Provider.Issuer,
            "--Dashboard:OpenIdConnect:ClientId=dashboard-traffic-tests",
            "--Dashboard:OpenIdConnect:DisplayName=Test IdP",
            "--Dashboard:OpenIdConnect:RequireHttpsMetadata=false",
            "--Dashboard:OpenIdConnect:ReadClaimType=groups",
            "--Dashboard:OpenIdConnect:ReadClaimValue=" + OpenIdConnectDashboard.ReadersGroup,
            "--Dashboard:OpenIdConnect:CaptureClaimType=groups",
            "--Dashboard:OpenIdConnect:CaptureClaimValue=" + AnalystsGroup,
        ];
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }
    }
}

/// <summary>Dashboard:IngestionAddress names a loopback port nothing listens on.</summary>
public sealed class UnreachableTrafficDashboard : TrafficDashboard
{
    public static string ClosedAddress { get; } = Closed();

    protected override bool WithIngestion => false;

    protected override Task<string[]> ArgumentsAsync() => Task.FromResult<string[]>(
        ["--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:IngestionAddress=" + ClosedAddress, "--Dashboard:IngestionApiKey=" + IngestionKey]);

    /// <summary>A port the system just handed out and took back: nothing listens there.</summary>
    private static string Closed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return "http://127.0.0.1:" + port;
    }
}

/// <summary>No Dashboard:IngestionAddress at all: the statistics service's default.</summary>
public sealed class UnconfiguredTrafficDashboard : TrafficDashboard
{
    protected override bool WithIngestion => false;

    protected override Task<string[]> ArgumentsAsync() => Task.FromResult<string[]>(["--Dashboard:Urls=http://127.0.0.1:0"]);
}
