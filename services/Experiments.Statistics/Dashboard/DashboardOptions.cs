namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Settings of the verdict dashboard (section <c>Dashboard</c>). Defaults: enabled, served over HTTP/1.1 at
/// <c>http://127.0.0.1:5180</c>, open on loopback and behind a sign-in (the services' API keys with the read scope)
/// whenever it listens beyond loopback, answering only Host names of its own addresses, sessions of 8 hours, live
/// updates at most once a second per experiment, at most 300 points per over-time chart, 3 s to reach the assignment service,
/// no ingestion service (the traffic page says so) and 10 s for a traffic report.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>Whether the statistics service serves the dashboard at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the dashboard listens, separated by ';' (e.g. <c>http://127.0.0.1:5180</c>; port 0 picks a free one).
    /// Its own HTTP/1.1 listener: the service's gRPC endpoints (<c>--urls</c>) stay HTTP/2-only.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:5180";

    /// <summary>
    /// Host header names the dashboard answers, separated by ';' (e.g. <c>dashboard.example.com;10.0.0.7</c>, <c>*.example.com</c>);
    /// any other gets 400, so a DNS-rebinding page cannot read it. Empty (the default): localhost, 127.0.0.1, [::1] and the
    /// addresses it listens on — for a wildcard address, this machine's name and interface addresses. Behind a reverse
    /// proxy, name the proxy's public host here.
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    /// <summary>
    /// Whether a visitor must sign in (an API key with the read scope, or OpenID Connect when configured). Unset (the
    /// default): required whenever the dashboard listens beyond loopback, open on loopback (one person's machine).
    /// No sign-in is asked when <c>Auth:Enabled</c> is false, as the services then ask for no credentials either.
    /// </summary>
    public bool? RequireSignIn { get; set; }

    /// <summary>Sign-in through an OpenID Connect identity provider, beside API keys; off until configured.</summary>
    public DashboardOpenIdConnectOptions OpenIdConnect { get; } = new();

    /// <summary>How long a sign-in lasts without a visit; each visit in its second half renews it.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Minimum time between two live updates of the same experiment sent to a browser; the latest always arrives.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most verdicts an over-time chart receives; longer histories are thinned evenly, keeping the newest.</summary>
    public int HistoryPoints { get; set; } = 300;

    /// <summary>Deadline of a ListAuditEntries call to the assignment service.</summary>
    public TimeSpan AuditTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// gRPC address of the ingestion service whose Captures.GetTrafficReport the traffic page shows (e.g.
    /// <c>http://127.0.0.1:5101</c>); empty: the page says no ingestion service is configured.
    /// </summary>
    public string IngestionAddress { get; set; } = "";

    /// <summary>
    /// In Dapr mode, the ingestion service's Dapr app id (e.g. <c>ingestion</c>): the traffic page's calls go to this
    /// process's own sidecar (its gRPC port, <c>Dapr:GrpcPort</c> or $DAPR_GRPC_PORT, unless <see cref="IngestionAddress"/>
    /// names the sidecar's address) with <c>dapr-app-id</c>, and the sidecar proxies them to that app. Empty: no sidecar.
    /// </summary>
    public string IngestionDaprAppId { get; set; } = "";

    /// <summary>Whether the traffic page has an ingestion service to ask, directly or through the sidecar.</summary>
    public bool HasIngestion => IngestionAddress.Length > 0 || IngestionDaprAppId.Length > 0;

    /// <summary>How the ingestion service is reached, for messages: its address, or its app id through the sidecar.</summary>
    public string IngestionTarget => IngestionDaprAppId.Length > 0 ? $"app {IngestionDaprAppId} (through the Dapr sidecar)" : IngestionAddress;

    /// <summary>API key sent to the ingestion service; it needs the <c>capture</c> scope (captures hold what clients send).</summary>
    public string IngestionApiKey { get; set; } = "";

    /// <summary>Deadline of a GetTrafficReport call: a report over a day of captures reads all of them.</summary>
    public TimeSpan TrafficTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
