using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Testing;

/// <summary>
/// A double of one gRPC service, with its state on the double: it registers itself and maps its service on a
/// <see cref="GrpcTestServer"/>, so that several doubles can share one address as a real peer's services do.
/// </summary>
public interface IGrpcServiceDouble
{
    /// <summary>Registers what the mapped service needs (the double itself).</summary>
    void AddTo(IServiceCollection services);

    /// <summary>Maps the double's gRPC service.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
