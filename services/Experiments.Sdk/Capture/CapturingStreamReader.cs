using Grpc.Core;

namespace Experiments.Sdk.Capture;

/// <summary>A captured call's request stream: each message is recorded as the handler reads it.</summary>
internal sealed class CapturingStreamReader<TMessage>(IAsyncStreamReader<TMessage> inner, ExchangeRecorder recorder) : IAsyncStreamReader<TMessage>
{
    public TMessage Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var more = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
        if (more)
        {
            recorder.AddMessage(request: true, inner.Current);
        }
        return more;
    }
}
