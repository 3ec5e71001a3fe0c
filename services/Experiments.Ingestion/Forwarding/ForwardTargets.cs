using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// The targets of the configured mode, together owning every partition once: the Dapr sidecar (which publishes each
/// partition to its own topic), or one per statistics replica.
/// </summary>
internal sealed class ForwardTargets(IReadOnlyList<IForwardTarget> targets) : IDisposable
{
    public IReadOnlyList<IForwardTarget> All => targets;

    public static ForwardTargets Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ForwardingOptions>>().Value;
        return options.Mode == ForwardingMode.Dapr
            ? new([ActivatorUtilities.CreateInstance<DaprBulkPublishTarget>(services)])
            : new([.. options.StatisticsReplicas().Select(replica => new StatisticsIntakeTarget(options, replica))]);
    }

    public void Dispose()
    {
        foreach (var target in targets)
        {
            (target as IDisposable)?.Dispose();
        }
    }
}
