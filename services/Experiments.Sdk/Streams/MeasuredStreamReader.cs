using Grpc.Core;

namespace Experiments.Sdk.Streams;

/// <summary>A client's reader of a server stream that measures each message as it arrives and the stream as it ends.</summary>
internal sealed class MeasuredStreamReader<TMessage>(IAsyncStreamReader<TMessage> inner, StreamMeasure<TMessage> measure, Func<Status> status, DateTime deadline)
    : IAsyncStreamReader<TMessage>
{
    public TMessage Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        bool more;
        try
        {
            more = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Ended(Grpc.GrpcErrors.StatusOf(exception, deadline)))
        {
            throw;
        }
        if (more)
        {
            measure.OnMessage(inner.Current);
        }
        else
        {
            measure.End(status().StatusCode);
        }
        return more;
    }

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Ended(StatusCode code)
    {
        measure.End(code);
        return false;
    }
}
