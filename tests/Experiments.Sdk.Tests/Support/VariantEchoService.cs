using Experiments.Testing.V1;
using Grpc.Core;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// experiments.testing.v1.EchoService as a user's gRPC backend with the SDK: every answer is the variant of the order
/// engine the SDK serves the caller. A request with an error fails the call with that status (ExpandEcho after its
/// answers); the message <c>throw</c> makes the handler throw a plain exception.
/// </summary>
internal sealed class VariantEchoService(IVariantServiceProvider<IOrderEngine> engines) : EchoService.EchoServiceBase
{
    public const string Throw = "throw";

    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        var variant = await VariantAsync(context);
        FailIfAsked(request);
        return new EchoResponse { Message = variant };
    }

    public override async Task<EchoResponse> CollectEcho(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var answers = new List<string>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            FailIfAsked(requestStream.Current);
            answers.Add(await VariantAsync(context));
        }
        return new EchoResponse { Message = string.Join(",", answers) };
    }

    public override async Task ExpandEcho(EchoRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new EchoResponse { Message = await VariantAsync(context) });
        }
        FailIfAsked(request);
    }

    public override async Task StreamEcho(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            FailIfAsked(requestStream.Current);
            await responseStream.WriteAsync(new EchoResponse { Message = await VariantAsync(context) });
        }
    }

    private async Task<string> VariantAsync(ServerCallContext context)
    {
        // A real hop to another thread first, so the unit must travel with the call's flow rather than the thread.
        await Task.Yield();
        return (await engines.GetServiceAsync(context.CancellationToken)).Variant;
    }

    private static void FailIfAsked(EchoRequest request)
    {
        if (request.Message == Throw)
        {
            throw new InvalidOperationException("the handler failed");
        }
        if (request.Error is { Code: not 0 } error)
        {
            throw new RpcException(new Status((StatusCode)error.Code, error.Message));
        }
    }
}
