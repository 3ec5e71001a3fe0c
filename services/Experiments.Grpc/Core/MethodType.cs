namespace Experiments.Grpc;

/// <summary>The four kinds of gRPC call.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}
