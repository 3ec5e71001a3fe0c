using Grpc.Core;
using Experiments.Testing.V1;

namespace Experiments.Bench.Grpc;

/// <summary>experiments.testing.v1.BenchService served by our gRPC layer.</summary>
internal sealed class BenchService
{
    public Task<BenchReply> Unary(BenchRequest request, ServerCallContext context) => Task.FromResult(BenchWork.Reply(request));

    public async Task ServerStream(BenchRequest request, IServerStreamWriter<BenchReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.ReplyCount; i++)
        {
            await responseStream.WriteAsync(BenchWork.StreamReply(request, i));
        }
    }
}
