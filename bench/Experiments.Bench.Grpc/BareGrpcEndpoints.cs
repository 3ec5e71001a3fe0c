using System.Buffers;
using System.IO.Pipelines;
using Experiments.Testing.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Experiments.Bench.Grpc;

/// <summary>
/// The reference: the same two calls written by hand on Kestrel, without Grpc.AspNetCore. Minimal but valid gRPC for
/// the bench's requests: read the whole request body, parse its one length-prefixed message, write
/// length-prefixed replies, end with grpc-status 0 in trailers.
/// </summary>
internal static class BareGrpcEndpoints
{
    public static void MapBareGrpc(this IEndpointRouteBuilder endpoints)
    {
        // Typed as RequestDelegate so that routing calls them directly, as it calls Grpc.AspNetCore's method handlers.
        RequestDelegate unary = UnaryAsync;
        RequestDelegate serverStream = ServerStreamAsync;
        endpoints.MapPost(BenchPaths.Unary, unary);
        endpoints.MapPost(BenchPaths.ServerStream, serverStream);
    }

    private static async Task UnaryAsync(HttpContext http)
    {
        var request = await ReadRequestAsync(http.Request.BodyReader, http.RequestAborted);
        var response = http.Response;
        response.ContentType = GrpcFrames.ContentType;
        GrpcFrames.Write(response.BodyWriter, BenchWork.Reply(request));
        response.AppendTrailer(GrpcFrames.StatusHeader, "0");
    }

    private static async Task ServerStreamAsync(HttpContext http)
    {
        var request = await ReadRequestAsync(http.Request.BodyReader, http.RequestAborted);
        var response = http.Response;
        response.ContentType = GrpcFrames.ContentType;
        for (var i = 0; i < request.ReplyCount; i++)
        {
            GrpcFrames.Write(response.BodyWriter, BenchWork.StreamReply(request, i));
            await response.BodyWriter.FlushAsync(http.RequestAborted);
        }
        response.AppendTrailer(GrpcFrames.StatusHeader, "0");
    }

    private static async Task<BenchRequest> ReadRequestAsync(PipeReader reader, CancellationToken token)
    {
        while (true)
        {
            var result = await reader.ReadAsync(token);
            var body = result.Buffer;
            if (result.IsCompleted)
            {
                var request = Parse(body);
                reader.AdvanceTo(body.End);
                return request;
            }
            reader.AdvanceTo(body.Start, body.End);
        }
    }

    private static BenchRequest Parse(ReadOnlySequence<byte> body)
    {
        if (!GrpcFrames.TryRead(ref body, out var payload) || body.Length > 0)
        {
            throw new InvalidDataException("A bench request body holds exactly one message.");
        }
        return BenchRequest.Parser.ParseFrom(payload);
    }
}
