using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Who may reach the dashboard: the Host names it answers (HostFiltering's AllowedHosts) and whether a visitor must sign
/// in, decided once from the addresses it listens on and its settings.
/// </summary>
internal sealed record DashboardAccess(IReadOnlyList<string> AllowedHosts, bool RequireSignIn)
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    public static DashboardAccess Decide(DashboardOptions settings, IReadOnlyList<IPAddress> listeners, bool authEnabled)
    {
        var beyondLoopback = listeners.Any(a => !IPAddress.IsLoopback(a));
        var configured = settings.AllowedHosts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var hosts = configured.Length > 0 ? configured : [.. DefaultHosts(listeners)];
        // With Auth:Enabled=false the services hand every scope to anyone; a dashboard password would protect nothing.
        return new DashboardAccess(hosts, authEnabled && (settings.RequireSignIn ?? beyondLoopback));
    }

    /// <summary>The names a browser uses for this listener: loopback names, each address, and for a wildcard this machine's.</summary>
    private static IEnumerable<string> DefaultHosts(IReadOnlyList<IPAddress> listeners)
    {
        var hosts = new HashSet<string>(LoopbackNames, StringComparer.OrdinalIgnoreCase);
        foreach (var address in listeners)
        {
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                hosts.Add(Dns.GetHostName());
                foreach (var local in InterfaceAddresses())
                {
                    hosts.Add(HostName(local));
                }
            }
            else
            {
                hosts.Add(HostName(address));
            }
        }
        return hosts;
    }

    private static IEnumerable<IPAddress> InterfaceAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address);

    private static string HostName(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        // A Host header never carries the zone (fe80::1%eth0), and IPv6 literals are bracketed.
        var scopeless = new IPAddress(address.GetAddressBytes());
        return "[" + scopeless + "]";
    }
}
