using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Sdk;

/// <summary>One gRPC channel per address, shared by the definitions watcher and the telemetry sender.</summary>
internal class ExperimentsChannels : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public GrpcChannel For(string address) => _channels.GetOrAdd(address, Create);

    /// <summary>Request metadata carrying the API key, if there is one.</summary>
    public static Metadata Headers(string? apiKey)
    {
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers.Add("authorization", "Bearer " + apiKey);
        }
        return headers;
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
        _channels.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Tests substitute in-memory channels here.</summary>
    protected virtual GrpcChannel Create(string address) => GrpcChannel.ForAddress(address);
}
