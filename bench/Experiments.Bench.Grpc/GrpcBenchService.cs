using Grpc.Core;
using Experiments.Testing.V1;

namespace Experiments.Bench.Grpc;

/// <summary>
/// experiments.testing.v1.BenchService on Grpc.AspNetCore: the base class Grpc.Tools generates from
/// protos/experiments/testing/v1/bench.proto, doing the same work as the bare endpoints.
/// </summary>
internal sealed class GrpcBenchService : BenchService.BenchServiceBase
{
    public override Task<BenchReply> Unary(BenchRequest request, ServerCallContext context) => Task.FromResult(BenchWork.Reply(request));

    public override async Task ServerStream(BenchRequest request, IServerStreamWriter<BenchReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.ReplyCount; i++)
        {
            await responseStream.WriteAsync(BenchWork.StreamReply(request, i));
        }
    }
}
