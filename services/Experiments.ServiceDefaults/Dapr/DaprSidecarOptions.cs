using System.Globalization;

namespace Experiments.ServiceDefaults.Dapr;

/// <summary>
/// Where this service's Dapr sidecar is, bound from the section <c>Dapr</c> with daprd's own environment variables as
/// fallbacks (daprd sets them for the app it starts): <c>Dapr:HttpPort</c> or $DAPR_HTTP_PORT (3500 when neither),
/// <c>Dapr:GrpcPort</c> or $DAPR_GRPC_PORT (50001 when neither), <c>Dapr:ApiToken</c> or $DAPR_API_TOKEN,
/// <c>Dapr:AppId</c> or $APP_ID (the service's name) for the start-up hint. The sidecar is always on 127.0.0.1.
/// </summary>
public sealed class DaprSidecarOptions
{
    public int? HttpPort { get; set; }

    public int? GrpcPort { get; set; }

    public string? ApiToken { get; set; }

    public string? AppId { get; set; }

    /// <summary>How often the sidecar's outbound health is asked while it is not answering. Default 500 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public int ResolvedHttpPort => HttpPort ?? FromEnvironment("DAPR_HTTP_PORT") ?? 3500;

    public int ResolvedGrpcPort => GrpcPort ?? FromEnvironment("DAPR_GRPC_PORT") ?? 50001;

    public string? ResolvedApiToken => ApiToken ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN");

    public string HttpEndpoint => "http://127.0.0.1:" + ResolvedHttpPort.ToString(CultureInfo.InvariantCulture);

    public string GrpcEndpoint => "http://127.0.0.1:" + ResolvedGrpcPort.ToString(CultureInfo.InvariantCulture);

    private static int? FromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
}
