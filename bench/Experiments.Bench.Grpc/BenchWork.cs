using Experiments.Testing.V1;

namespace Experiments.Bench.Grpc;

/// <summary>The work of one call, shared by the Grpc.AspNetCore service and the bare endpoints so only the gRPC stack differs.</summary>
internal static class BenchWork
{
    public static BenchRequest SampleRequest => new() { Id = 4_200_000_042, Name = "bench-request", Value = 3.25 };

    public static BenchReply Reply(BenchRequest request) =>
        new() { Id = request.Id, Name = request.Name, Value = request.Value * 2 };

    public static BenchReply StreamReply(BenchRequest request, int sequence) =>
        new() { Id = request.Id, Name = request.Name, Value = request.Value, Sequence = sequence };
}
