using Grpc.Net.Client;

namespace Experiments.Sdk.Tests.Support;

/// <summary>Routes the SDK's channels for some addresses to in-memory test servers; others go over sockets.</summary>
internal sealed class TestChannels(IReadOnlyDictionary<string, Func<GrpcChannel>> servers) : ExperimentsChannels
{
    protected override GrpcChannel Create(string address) =>
        servers.TryGetValue(address, out var create) ? create() : base.Create(address);
}
