using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Clients;

/// <summary>Paging over <c>experiments.v1.ExperimentAdmin</c>.</summary>
public static class ExperimentAdminClientExtensions
{
    /// <summary>Every experiment matching <paramref name="request"/>'s filters, following the page tokens.</summary>
    public static async IAsyncEnumerable<Experiment> ListAllExperimentsAsync(
        this ExperimentAdmin.ExperimentAdminClient client,
        ListExperimentsRequest request,
        CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var page = request.Clone();
        do
        {
            var response = await client.ListExperimentsAsync(page, options).ResponseAsync.ConfigureAwait(false);
            foreach (var experiment in response.Experiments)
            {
                yield return experiment;
            }
            page.PageToken = response.NextPageToken;
        }
        while (page.PageToken.Length > 0);
    }
}
