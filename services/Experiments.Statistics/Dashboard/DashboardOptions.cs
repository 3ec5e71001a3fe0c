namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Settings of the verdict dashboard (section <c>Dashboard</c>). Defaults: enabled, served over HTTP/1.1 at
/// <c>http://127.0.0.1:5180</c> (loopback only: the dashboard has no authentication of its own), live updates at most
/// once a second per experiment, at most 300 points per over-time chart, 3 s to reach the assignment service.
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

    /// <summary>Minimum time between two live updates of the same experiment sent to a browser; the latest always arrives.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most verdicts an over-time chart receives; longer histories are thinned evenly, keeping the newest.</summary>
    public int HistoryPoints { get; set; } = 300;

    /// <summary>Deadline of a ListAuditEntries call to the assignment service.</summary>
    public TimeSpan AuditTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
