using Grpc.Core;

namespace Experiments.ServiceDefaults.Telemetry;

/// <summary>
/// A client that goes away mid-call (cancels, or disposes a half-closed call) resets its HTTP/2 stream, and the
/// handler's next read or write of that stream throws an IOException. Left alone, grpc-dotnet logs it as a failed
/// method with a stack trace and the call counts as UNKNOWN; it is a cancellation. Only the call's own streams are
/// wrapped, so an IOException from anything else the handler does (a disk) keeps its meaning.
/// </summary>
internal static class ClientGoneStreams
{
    public static RpcException Cancelled(Exception exception) =>
        new(new Status(StatusCode.Cancelled, "the client went away: " + exception.Message, exception));

    public sealed class Reader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                throw Cancelled(exception);
            }
        }
    }

    /// <summary>
    /// Also turns grpc-dotnet's "request is complete" refusal of a write into CANCELLED when the call was cancelled:
    /// it is how a write after the client went away fails.
    /// </summary>
    public sealed class Writer<T>(IServerStreamWriter<T> inner, ServerCallContext context) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => GuardAsync(inner.WriteAsync(message));

        public Task WriteAsync(T message, CancellationToken cancellationToken) => GuardAsync(inner.WriteAsync(message, cancellationToken));

        private async Task GuardAsync(Task write)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                throw Cancelled(exception);
            }
            catch (InvalidOperationException exception) when (context.CancellationToken.IsCancellationRequested)
            {
                throw Cancelled(exception);
            }
        }
    }
}
