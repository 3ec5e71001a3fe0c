using Google.Protobuf;

namespace Experiments.Grpc.Client;

/// <summary>
/// The response stream of a server-streaming or duplex call. Cancelling the token given to
/// <see cref="MoveNext"/> cancels the call.
/// </summary>
internal sealed class ResponseStreamReader<TRequest, TResponse>(GrpcCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public TResponse Current => call.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken) => call.MoveNextAsync(cancellationToken);
}
