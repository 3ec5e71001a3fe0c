using Experiments.Testing.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>A typed client of the interop service, built on our layer the way product clients are.</summary>
public sealed class InteropClient(CallInvoker invoker) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Service = InteropReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Unimplemented = InteropReflection.Descriptor.Services[1];

    private static readonly Method<Empty, Empty> EmptyCallMethod = Method<Empty, Empty>.FromDescriptor(Service.FindMethodByName("EmptyCall"));
    private static readonly Method<SimpleRequest, SimpleResponse> UnaryCallMethod = Method<SimpleRequest, SimpleResponse>.FromDescriptor(Service.FindMethodByName("UnaryCall"));
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCallMethod =
        Method<StreamingOutputCallRequest, StreamingOutputCallResponse>.FromDescriptor(Service.FindMethodByName("StreamingOutputCall"));
    private static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCallMethod =
        Method<StreamingInputCallRequest, StreamingInputCallResponse>.FromDescriptor(Service.FindMethodByName("StreamingInputCall"));
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCallMethod =
        Method<StreamingOutputCallRequest, StreamingOutputCallResponse>.FromDescriptor(Service.FindMethodByName("FullDuplexCall"));
    private static readonly Method<Empty, Empty> UnimplementedServiceMethod = Method<Empty, Empty>.FromDescriptor(Unimplemented.FindMethodByName("UnimplementedCall"));

    // Not in the proto at all: the server has no such method.
    private static readonly Method<Empty, Empty> UnknownMethod = new(MethodType.Unary, Service.FullName, "UnimplementedCall", Empty.Parser, Empty.Parser);

    public AsyncUnaryCall<Empty> EmptyCall(Empty request, CallOptions options = default) => CallInvoker.AsyncUnaryCall(EmptyCallMethod, options, request);

    public AsyncUnaryCall<SimpleResponse> UnaryCall(SimpleRequest request, CallOptions options = default) => CallInvoker.AsyncUnaryCall(UnaryCallMethod, options, request);

    public AsyncServerStreamingCall<StreamingOutputCallResponse> StreamingOutputCall(StreamingOutputCallRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(StreamingOutputCallMethod, options, request);

    public AsyncClientStreamingCall<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall(CallOptions options = default) =>
        CallInvoker.AsyncClientStreamingCall(StreamingInputCallMethod, options);

    public AsyncDuplexStreamingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall(CallOptions options = default) =>
        CallInvoker.AsyncDuplexStreamingCall(FullDuplexCallMethod, options);

    public AsyncUnaryCall<Empty> UnimplementedServiceCall(CallOptions options = default) => CallInvoker.AsyncUnaryCall(UnimplementedServiceMethod, options, new Empty());

    public AsyncUnaryCall<Empty> UnknownMethodCall(CallOptions options = default) => CallInvoker.AsyncUnaryCall(UnknownMethod, options, new Empty());
}
