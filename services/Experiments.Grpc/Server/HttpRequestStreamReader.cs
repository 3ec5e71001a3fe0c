using Google.Protobuf;

namespace Experiments.Grpc.Server;

/// <summary>The request stream of a client-streaming or duplex call.</summary>
internal sealed class HttpRequestStreamReader<T>(HttpServerCallContext call, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;
    private bool _ended;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }
        var token = cancellationToken.CanBeCanceled ? cancellationToken : call.CancellationToken;
        var (read, message) = await call.ReadNextMessageAsync(parser, token).ConfigureAwait(false);
        if (!read)
        {
            _ended = true;
            _current = null;
            return false;
        }
        _current = message;
        return true;
    }
}
