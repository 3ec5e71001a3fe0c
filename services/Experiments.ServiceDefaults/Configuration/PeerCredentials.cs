using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Experiments.ServiceDefaults.Configuration;

/// <summary>
/// A peer that answers UNAUTHENTICATED or PERMISSION_DENIED refuses the key this service was configured with:
/// retrying will not help, fixing the setting will. Callers log it as a configuration error naming the setting.
/// </summary>
public static partial class PeerCredentials
{
    /// <summary>Whether the peer refused our credentials (rather than being unavailable or refusing the request).</summary>
    public static bool Refused(RpcException exception) =>
        exception.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied;

    /// <summary>Logs that <paramref name="peer"/> refused the key in <paramref name="setting"/>, which needs <paramref name="scope"/>.</summary>
    public static void LogRefused(ILogger logger, string peer, string setting, string scope, RpcException exception) =>
        Refused(logger, peer, exception.StatusCode, exception.Status.Detail, setting, scope);

    [LoggerMessage(EventId = 9100, Level = LogLevel.Error,
        Message = "Configuration error: {Peer} refused our credentials ({Status}: {Detail}); set {Setting} to an API key that {Peer} accepts with the '{Scope}' scope")]
    private static partial void Refused(ILogger logger, string peer, StatusCode status, string detail, string setting, string scope);
}
