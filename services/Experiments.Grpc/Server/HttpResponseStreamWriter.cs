using Google.Protobuf;

namespace Experiments.Grpc.Server;

/// <summary>The response stream of a server-streaming or duplex call; each write is flushed.</summary>
internal sealed class HttpResponseStreamWriter<T>(HttpServerCallContext call) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public WriteOptions? WriteOptions
    {
        get => call.WriteOptions;
        set => call.WriteOptions = value;
    }

    public Task WriteAsync(T message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return call.WriteMessageAsync(message, flush: true);
    }
}
