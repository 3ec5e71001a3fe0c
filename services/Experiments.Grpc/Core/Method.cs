using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Experiments.Grpc;

/// <summary>
/// A gRPC method: its kind, names and message parsers. Built from the proto's descriptor so that the
/// .proto file stays the only source of truth for names and shapes.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
    }

    public MethodType Type { get; }

    /// <summary>The fully qualified proto service name, e.g. <c>grpc.health.v1.Health</c>.</summary>
    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP/2 :path of the method, <c>/{service}/{method}</c>.</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    /// <summary>Creates the method from its proto descriptor, checking the CLR message types against it.</summary>
    public static Method<TRequest, TResponse> FromDescriptor(MethodDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"Method {descriptor.FullName} takes {descriptor.InputType.ClrType?.Name} and returns {descriptor.OutputType.ClrType?.Name}, not {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(descriptor));
        }
        return new Method<TRequest, TResponse>(
            MethodTypes.Of(descriptor),
            descriptor.Service.FullName,
            descriptor.Name,
            (MessageParser<TRequest>)descriptor.InputType.Parser,
            (MessageParser<TResponse>)descriptor.OutputType.Parser);
    }
}

internal static class MethodTypes
{
    public static MethodType Of(MethodDescriptor descriptor) => (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };
}
