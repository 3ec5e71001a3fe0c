using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Experiments.Grpc.Health;

/// <summary>grpc.health.v1.Health (grpc/grpc doc/health-checking.md).</summary>
public sealed class HealthService(HealthStatusRegistry registry)
{
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = registry.GetStatus(request.Service)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    /// <summary>Sends the current status, then every change, until the client goes away.</summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged(string service)
        {
            if (service.Length == 0 || service == request.Service)
            {
                changes.Writer.TryWrite(true);
            }
        }
        registry.Changed += OnChanged;
        try
        {
            ServingStatus? last = null;
            do
            {
                var status = registry.GetStatus(request.Service) ?? ServingStatus.ServiceUnknown;
                if (status != last)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
                    last = status;
                }
            }
            while (await changes.Reader.WaitToReadAsync(context.CancellationToken).ConfigureAwait(false) && changes.Reader.TryRead(out _));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client stopped watching.
        }
        finally
        {
            registry.Changed -= OnChanged;
        }
    }
}
