using Grpc.Core;

namespace Experiments.Sdk.Streams;

/// <summary>A server stream's writer that measures each message once it is written.</summary>
internal sealed class MeasuredStreamWriter<TMessage>(IServerStreamWriter<TMessage> inner, StreamMeasure<TMessage> measure) : IServerStreamWriter<TMessage>
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(TMessage message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TMessage message, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        measure.OnMessage(message);
    }
}
