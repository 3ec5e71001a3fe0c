using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Reads an experiment's audit trail (ramps, stops, rollbacks) from the assignment service's
/// ExperimentAdmin.ListAuditEntries, at the address and with the key the definitions watch uses
/// (<c>Statistics:AssignmentAddress</c>, <c>Statistics:AssignmentApiKey</c>, which needs the read scope).
/// When assignment is not configured or not reachable the result says so instead of failing the page.
/// </summary>
internal sealed class AuditTrail(IOptions<StatisticsOptions> statistics, IOptions<DashboardOptions> dashboard, IServiceProvider services)
{
    private const int PageSize = 200;
    private const int MaxPages = 10;

    /// <summary>Every entry of the experiment, oldest first as the service lists them, or why there are none.</summary>
    public async Task<(ListAuditEntriesResponse? Entries, string? Note)> ListAsync(string experimentId, CancellationToken cancellationToken)
    {
        var address = statistics.Value.AssignmentAddress;
        if (address.Length == 0)
        {
            return (null, "Audit trail unavailable: this statistics service has no assignment service configured (Statistics:AssignmentAddress).");
        }
        var client = services.GetRequiredService<ExperimentAdmin.ExperimentAdminClient>();
        var all = new ListAuditEntriesResponse();
        var request = new ListAuditEntriesRequest { ExperimentId = experimentId, PageSize = PageSize };
        try
        {
            for (var page = 0; page < MaxPages; page++)
            {
                var response = await client.ListAuditEntriesAsync(request, deadline: DateTime.UtcNow + dashboard.Value.AuditTimeout, cancellationToken: cancellationToken);
                all.AuditEntries.AddRange(response.AuditEntries);
                if (response.NextPageToken.Length == 0)
                {
                    return (all, null);
                }
                request.PageToken = response.NextPageToken;
            }
            all.NextPageToken = request.PageToken;
            return (all, $"Showing the first {all.AuditEntries.Count} entries.");
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"Audit trail unavailable: the assignment service at {address} answered {e.StatusCode}.");
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"Audit trail unavailable: the assignment service at {address} is unreachable.");
        }
    }
}
