using Grpc.Core;

namespace Experiments.Sdk.Capture;

/// <summary>A captured call's response stream: each message is recorded as the handler writes it.</summary>
internal sealed class CapturingStreamWriter<TMessage>(IServerStreamWriter<TMessage> inner, ExchangeRecorder recorder) : IServerStreamWriter<TMessage>
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(TMessage message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TMessage message, CancellationToken cancellationToken)
    {
        recorder.AddMessage(request: false, message);
        return inner.WriteAsync(message, cancellationToken);
    }
}
