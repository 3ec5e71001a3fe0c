using Google.Protobuf;

namespace Experiments.Grpc.Client;

/// <summary>
/// The request stream of a client-streaming or duplex call. One write at a time; cancelling the token
/// given to a write cancels the call.
/// </summary>
internal sealed class RequestStreamWriter<TRequest, TResponse>(GrpcCall<TRequest, TResponse> call, WriteOptions? writeOptions) : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public WriteOptions? WriteOptions { get; set; } = writeOptions;

    public Task WriteAsync(TRequest message) => call.WriteAsync(message, WriteOptions, CancellationToken.None);

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken) => call.WriteAsync(message, WriteOptions, cancellationToken);

    public Task CompleteAsync() => call.CompleteRequestAsync();
}
