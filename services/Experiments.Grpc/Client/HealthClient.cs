using Grpc.Health.V1;

namespace Experiments.Grpc;

/// <summary>A client of grpc.health.v1.Health (grpc/grpc doc/health-checking.md).</summary>
public sealed class HealthClient(CallInvoker callInvoker) : ClientBase(callInvoker)
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        Method<HealthCheckRequest, HealthCheckResponse>.FromDescriptor(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"));

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        Method<HealthCheckRequest, HealthCheckResponse>.FromDescriptor(HealthReflection.Descriptor.Services[0].FindMethodByName("Watch"));

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public HealthClient(GrpcChannel channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker())
    {
    }

    /// <summary>The serving status of a service ("" for the whole server); NOT_FOUND for a service the server does not know.</summary>
    public HealthCheckResponse Check(HealthCheckRequest request, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        Check(request, new CallOptions(headers, deadline, cancellationToken));

    /// <inheritdoc cref="Check(HealthCheckRequest, Metadata?, DateTime?, CancellationToken)"/>
    public HealthCheckResponse Check(HealthCheckRequest request, CallOptions options) =>
        CallInvoker.BlockingUnaryCall(CheckMethod, options, request);

    /// <inheritdoc cref="Check(HealthCheckRequest, Metadata?, DateTime?, CancellationToken)"/>
    public AsyncUnaryCall<HealthCheckResponse> CheckAsync(HealthCheckRequest request, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        CheckAsync(request, new CallOptions(headers, deadline, cancellationToken));

    /// <inheritdoc cref="Check(HealthCheckRequest, Metadata?, DateTime?, CancellationToken)"/>
    public AsyncUnaryCall<HealthCheckResponse> CheckAsync(HealthCheckRequest request, CallOptions options) =>
        CallInvoker.AsyncUnaryCall(CheckMethod, options, request);

    /// <summary>The serving status of a service now and after every change, until the call is cancelled.</summary>
    public AsyncServerStreamingCall<HealthCheckResponse> Watch(HealthCheckRequest request, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        Watch(request, new CallOptions(headers, deadline, cancellationToken));

    /// <inheritdoc cref="Watch(HealthCheckRequest, Metadata?, DateTime?, CancellationToken)"/>
    public AsyncServerStreamingCall<HealthCheckResponse> Watch(HealthCheckRequest request, CallOptions options) =>
        CallInvoker.AsyncServerStreamingCall(WatchMethod, options, request);
}
