namespace Experiments.Grpc;

/// <summary>
/// The base of typed clients: one per proto service, one method per RPC, calling through a <see cref="Grpc.CallInvoker"/>.
/// </summary>
public abstract class ClientBase
{
    /// <summary>A client that calls through <paramref name="callInvoker"/>.</summary>
    protected ClientBase(CallInvoker callInvoker)
    {
        ArgumentNullException.ThrowIfNull(callInvoker);
        CallInvoker = callInvoker;
    }

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    protected ClientBase(GrpcChannel channel)
        : this(InvokerOf(channel))
    {
    }

    /// <summary>Starts the calls of this client.</summary>
    protected CallInvoker CallInvoker { get; }

    private static CallInvoker InvokerOf(GrpcChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker();
    }
}
