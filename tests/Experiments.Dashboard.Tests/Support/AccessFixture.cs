using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Experiments.Contracts.V1;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Microsoft.Playwright;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// The statistics service as a real process serving one experiment's definition on its dashboard, for probes of who may
/// read it: <see cref="OpenLoopbackDashboard"/> with the defaults on loopback, <see cref="SignInDashboard"/> on this
/// machine's first non-loopback IPv4 address (or on loopback with <c>Dashboard:RequireSignIn=true</c> where there is none).
/// Besides the development keys it accepts <see cref="IngestOnlyKey"/>, which lacks the read scope.
/// </summary>
public abstract partial class AccessFixture : IAsyncLifetime
{
    /// <summary>The development key of the service's appsettings.json (admin, ingest, read), as its name appears when signed in.</summary>
    public const string ReadKey = "dev-local-key";

    public const string ReadKeyName = "local-development";

    public const string IngestOnlyKey = "ingest-only-key-for-dashboard-tests";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "dashboard-access-" + Guid.NewGuid().ToString("N"));
    private AssignmentDouble? _assignment;
    private ServiceProcess? _statistics;
    private IPlaywright? _playwright;

    public Experiment Experiment { get; } = DemoExperiments.MatchingEngine(DashboardFixture.Start);

    /// <summary>The dashboard's address as its log line reports it (http://host:port).</summary>
    public string DashboardAddress { get; private set; } = "";

    public IBrowser? Browser { get; private set; }

    public string ServiceOutput => _statistics?.Output ?? "";

    /// <summary>The dashboard's settings on the command line, after starting whatever peer it needs.</summary>
    protected abstract Task<string[]> DashboardArgumentsAsync();

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync(0, Experiment);
        _statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
        [
            "--Data:Folder=" + _data,
            "--Statistics:AssignmentAddress=" + _assignment.Address,
            "--Statistics:AssignmentApiKey=" + ReadKey,
            "--Auth:ApiKeys:2:Key=" + IngestOnlyKey,
            "--Auth:ApiKeys:2:Name=ingest-only",
            "--Auth:ApiKeys:2:Scopes:0=ingest",
            .. await DashboardArgumentsAsync(),
        ]);
        DashboardAddress = DashboardLine().Match(_statistics.Output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("The statistics service did not report the dashboard's address:\n" + _statistics.Output);
        await WaitForDefinitionAsync();
        if (Chromium.Installed)
        {
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium.ExecutablePath, Headless = true, Args = Chromium.Arguments,
            });
        }
    }

    /// <summary>A client that sends no cookies of its own and does not follow redirects, so each answer is seen as sent.</summary>
    public static HttpClient Probe() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Polls the list with the read key until the assignment double's definition has reached the service.</summary>
    private async Task WaitForDefinitionAsync()
    {
        using var client = Probe();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, DashboardAddress + "/api/experiments");
            request.Headers.Authorization = new("Bearer", ReadKey);
            using var response = await client.SendAsync(request);
            if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains(Experiment.Id, StringComparison.Ordinal))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The dashboard never listed {Experiment.Id} ({response.StatusCode}):\n" + ServiceOutput);
            }
            await Task.Delay(100);
        }
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

/// <summary>The defaults on loopback: open (one person's machine), yet only to its own Host names.</summary>
public sealed class OpenLoopbackDashboard : AccessFixture
{
    protected override Task<string[]> DashboardArgumentsAsync() => Task.FromResult<string[]>(["--Dashboard:Urls=http://127.0.0.1:0"]);
}

/// <summary>Beyond loopback by address where this machine has one; otherwise sign-in forced on loopback.</summary>
public sealed class SignInDashboard : AccessFixture
{
    /// <summary>This machine's first non-loopback IPv4 address that is up, or null.</summary>
    public static IPAddress? OutsideAddress { get; } = NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(u => u.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    protected override Task<string[]> DashboardArgumentsAsync() => Task.FromResult<string[]>(OutsideAddress is { } address
        ? ["--Dashboard:Urls=http://" + address + ":0"]
        : ["--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:RequireSignIn=true"]);
}

/// <summary>Sign-in forced on loopback, with an OpenID Connect provider double whose "experiments-readers" group may read.</summary>
public sealed class OpenIdConnectDashboard : AccessFixture
{
    public const string ReadersGroup = "experiments-readers";

    public IdentityProviderDouble Provider { get; private set; } = null!;

    protected override async Task<string[]> DashboardArgumentsAsync()
    {
        Provider = await IdentityProviderDouble.StartAsync("dashboard-tests");
        return
        [
            "--Dashboard:Urls=http://127.0.0.1:0", "--Dashboard:RequireSignIn=true",
            "--Dashboard:OpenIdConnect:Authority=" + Provider.Issuer,
            "--Dashboard:OpenIdConnect:ClientId=dashboard-tests",
            "--Dashboard:OpenIdConnect:DisplayName=Test IdP",
            "--Dashboard:OpenIdConnect:RequireHttpsMetadata=false",
            "--Dashboard:OpenIdConnect:ReadClaimType=groups",
            "--Dashboard:OpenIdConnect:ReadClaimValue=" + ReadersGroup,
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
