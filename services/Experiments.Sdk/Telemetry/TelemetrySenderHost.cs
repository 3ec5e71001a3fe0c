using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Telemetry;

/// <summary>Holds the one sender, so tests and <see cref="ExperimentsStatus"/> can reach the hosted instance.</summary>
internal sealed class TelemetrySenderHost(IServiceProvider services)
{
    public TelemetrySender Sender { get; } = ActivatorUtilities.CreateInstance<TelemetrySender>(services);
}
