using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Server;

/// <summary>
/// Binds the methods of a proto service to the public methods of a service class with the same names and
/// grpc-dotnet's handler shapes. A proto method without a matching handler fails start-up.
/// </summary>
internal static class ServiceBinder
{
    public sealed record BoundMethod(string Path, RequestDelegate Handler);

    public static IReadOnlyList<BoundMethod> Bind<TService>(
        ServiceDescriptor service, IServiceProvider root, IReadOnlyList<Interceptor> interceptors, GrpcServerOptions options, ILogger logger)
        where TService : class
    {
        var activator = new ServiceActivator<TService>(root);
        var missing = new List<string>();
        var bound = new List<BoundMethod>();
        foreach (var method in service.Methods)
        {
            var request = method.InputType.ClrType;
            var response = method.OutputType.ClrType;
            var handler = FindHandler(typeof(TService), method, request, response);
            if (handler is null)
            {
                missing.Add(ExpectedSignature(method, request.Name, response.Name));
                continue;
            }
            var bind = typeof(ServiceBinder).GetMethod(nameof(BindMethod), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeof(TService), request, response);
            var requestDelegate = (RequestDelegate)bind.Invoke(null, [method, handler, activator, interceptors, options, logger])!;
            bound.Add(new BoundMethod("/" + service.FullName + "/" + method.Name, requestDelegate));
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{typeof(TService).Name} does not implement every method of {service.FullName}. Missing: {string.Join("; ", missing)}");
        }
        return bound;
    }

    private static RequestDelegate BindMethod<TService, TRequest, TResponse>(
        MethodDescriptor descriptor, MethodInfo handler, ServiceActivator<TService> activator,
        IReadOnlyList<Interceptor> interceptors, GrpcServerOptions options, ILogger logger)
        where TService : class
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = Method<TRequest, TResponse>.FromDescriptor(descriptor);
        var serverHandler = new ServerMethodHandler<TService, TRequest, TResponse>(method, handler, activator, interceptors, options, logger);
        return serverHandler.HandleCallAsync;
    }

    private static MethodInfo? FindHandler(Type serviceType, MethodDescriptor method, Type request, Type response)
    {
        var context = typeof(ServerCallContext);
        var reader = typeof(IAsyncStreamReader<>).MakeGenericType(request);
        var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
        var (parameters, returns) = MethodTypes.Of(method) switch
        {
            MethodType.Unary => (new[] { request, context }, typeof(Task<>).MakeGenericType(response)),
            MethodType.ClientStreaming => ([reader, context], typeof(Task<>).MakeGenericType(response)),
            MethodType.ServerStreaming => ([request, writer, context], typeof(Task)),
            _ => ([reader, writer, context], typeof(Task)),
        };
        var found = serviceType.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, parameters);
        return found is not null && found.ReturnType == returns ? found : null;
    }

    private static string ExpectedSignature(MethodDescriptor method, string request, string response) => MethodTypes.Of(method) switch
    {
        MethodType.Unary => $"Task<{response}> {method.Name}({request}, ServerCallContext)",
        MethodType.ClientStreaming => $"Task<{response}> {method.Name}(IAsyncStreamReader<{request}>, ServerCallContext)",
        MethodType.ServerStreaming => $"Task {method.Name}({request}, IServerStreamWriter<{response}>, ServerCallContext)",
        _ => $"Task {method.Name}(IAsyncStreamReader<{request}>, IServerStreamWriter<{response}>, ServerCallContext)",
    };
}
