using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Experiments.Grpc.Server;

/// <summary>
/// Takes the UNIMPLEMENTED fallback out of the routing nodes where one of our gRPC methods matches the path.
/// There the method always wins (order 0 against the fallback's <see cref="int.MaxValue"/>), yet as a second
/// candidate the fallback made routing capture its catch-all on every call (a substring and a route-value
/// dictionary) and took routing off its single-candidate fast path.
/// </summary>
internal sealed class UnimplementedFallbackPolicy : MatcherPolicy, INodeBuilderPolicy
{
    /// <summary>Marks the endpoints of gRPC methods.</summary>
    public sealed class MethodMetadata;

    /// <summary>Marks the UNIMPLEMENTED fallback endpoint.</summary>
    public sealed class FallbackMetadata;

    // After every other node policy (HTTP method, host, content type): a method endpoint one of them rules out for
    // a request is then no longer among the endpoints seen here, and the fallback stays to answer that request.
    public override int Order => int.MaxValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(Has<MethodMetadata>) && endpoints.Any(Has<FallbackMetadata>);

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints) =>
        [new PolicyNodeEdge(state: true, [.. endpoints.Where(endpoint => !Has<FallbackMetadata>(endpoint))])];

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges) =>
        new SingleDestination(edges[0].Destination);

    private static bool Has<T>(Endpoint endpoint)
        where T : class => endpoint.Metadata.GetMetadata<T>() is not null;

    private sealed class SingleDestination(int destination) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) => destination;
    }
}
