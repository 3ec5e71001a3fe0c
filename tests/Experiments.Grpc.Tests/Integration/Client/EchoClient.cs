using Experiments.Testing.V1;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>A typed client of experiments.testing.v1.EchoService, written the way generated clients will be.</summary>
public sealed class EchoClient(CallInvoker callInvoker) : ClientBase(callInvoker)
{
    public static readonly Method<EchoRequest, EchoResponse> EchoMethod = MethodOf("Echo");
    public static readonly Method<EchoRequest, EchoResponse> CollectEchoMethod = MethodOf("CollectEcho");
    public static readonly Method<EchoRequest, EchoResponse> ExpandEchoMethod = MethodOf("ExpandEcho");
    public static readonly Method<EchoRequest, EchoResponse> StreamEchoMethod = MethodOf("StreamEcho");

    public EchoClient(GrpcChannel channel)
        : this(channel.CreateCallInvoker())
    {
    }

    public EchoResponse Echo(EchoRequest request, CallOptions options = default) =>
        CallInvoker.BlockingUnaryCall(EchoMethod, options, request);

    public AsyncUnaryCall<EchoResponse> EchoAsync(EchoRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(EchoMethod, options, request);

    public AsyncClientStreamingCall<EchoRequest, EchoResponse> CollectEcho(CallOptions options = default) =>
        CallInvoker.AsyncClientStreamingCall(CollectEchoMethod, options);

    public AsyncServerStreamingCall<EchoResponse> ExpandEcho(EchoRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(ExpandEchoMethod, options, request);

    public AsyncDuplexStreamingCall<EchoRequest, EchoResponse> StreamEcho(CallOptions options = default) =>
        CallInvoker.AsyncDuplexStreamingCall(StreamEchoMethod, options);

    private static Method<EchoRequest, EchoResponse> MethodOf(string name) =>
        Method<EchoRequest, EchoResponse>.FromDescriptor(EchoReflection.Descriptor.Services[0].FindMethodByName(name));
}
