using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Reads an experiment's audit trail (ramps, stops, rollbacks) from the assignment service's
/// ExperimentAdmin.ListAuditEntries, at the address and with the key the definitions watch uses
/// (<c>Statistics:AssignmentAddress</c>, <c>Statistics:AssignmentApiKey</c>, which needs the read scope).
/// When assignment is not configured or not reachable the result says so instead of failing the page.
/// </summary>
internal sealed class AuditTrail(IOptions<StatisticsOptions> statistics, IOptions<DashboardOptions> dashboard) : IDisposable
{
    private const int PageSize = 200;
    private const int MaxPages = 10;
    private static readonly ServiceDescriptor Admin = ExperimentServiceReflection.Descriptor.Services[0];
    private static readonly Method<ListAuditEntriesRequest, ListAuditEntriesResponse> ListMethod =
        Method<ListAuditEntriesRequest, ListAuditEntriesResponse>.FromDescriptor(Admin.FindMethodByName("ListAuditEntries"));

    private readonly Lazy<GrpcChannel?> _channel = new(() =>
        statistics.Value.AssignmentAddress.Length == 0 ? null : GrpcChannel.ForAddress(statistics.Value.AssignmentAddress));

    /// <summary>Every entry of the experiment, oldest first as the service lists them, or why there are none.</summary>
    public async Task<(ListAuditEntriesResponse? Entries, string? Note)> ListAsync(string experimentId, CancellationToken cancellationToken)
    {
        if (_channel.Value is not { } channel)
        {
            return (null, "Audit trail unavailable: this statistics service has no assignment service configured (Statistics:AssignmentAddress).");
        }
        var invoker = channel.CreateCallInvoker();
        var all = new ListAuditEntriesResponse();
        var request = new ListAuditEntriesRequest { ExperimentId = experimentId, PageSize = PageSize };
        try
        {
            for (var page = 0; page < MaxPages; page++)
            {
                using var call = invoker.AsyncUnaryCall(ListMethod, Options(cancellationToken), request);
                var response = await call.ResponseAsync;
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
            return (null, $"Audit trail unavailable: the assignment service at {channel.Address} answered {e.StatusCode}.");
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"Audit trail unavailable: the assignment service at {channel.Address} is unreachable.");
        }
    }

    public void Dispose()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value?.Dispose();
        }
    }

    private CallOptions Options(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (statistics.Value.AssignmentApiKey.Length > 0)
        {
            headers.Add("authorization", "Bearer " + statistics.Value.AssignmentApiKey);
        }
        return new CallOptions(headers, DateTime.UtcNow + dashboard.Value.AuditTimeout, cancellationToken);
    }
}
