using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Server;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Handler of {Method} threw an exception")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Call to {Method} exceeded its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Ignoring invalid grpc-timeout header {Value}")]
    public static partial void InvalidTimeout(ILogger logger, string value);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Refused a request to {Path} with content type {ContentType}")]
    public static partial void UnsupportedContentType(ILogger logger, string path, string? contentType);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Mapped gRPC service {Service} with {MethodCount} methods")]
    public static partial void ServiceMapped(ILogger logger, string service, int methodCount);
}
