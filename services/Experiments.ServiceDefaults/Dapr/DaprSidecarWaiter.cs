using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Dapr;

/// <summary>
/// In Dapr mode, asks the sidecar's outbound health (<see cref="DaprClient.CheckOutboundHealthAsync"/>: its components
/// are loaded and it can reach them) until it answers, saying once, in one line, which port it expects and what to
/// start; then marks the sidecar ready. Connection refused is the expected answer while daprd starts: no stack trace.
/// </summary>
internal sealed partial class DaprSidecarWaiter(
    DaprSidecarReadiness readiness,
    IServiceProvider services,
    IOptions<DaprSidecarOptions> options,
    TimeProvider time,
    ILogger<DaprSidecarWaiter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!readiness.Required)
        {
            return;
        }
        var client = services.GetRequiredService<DaprClient>();
        var told = false;
        while (!await client.CheckOutboundHealthAsync(stoppingToken))
        {
            if (!told)
            {
                LogWaiting(logger, readiness.Waiting);
                told = true;
            }
            await Task.Delay(options.Value.PollInterval, time, stoppingToken);
        }
        readiness.MarkReady();
        LogReady(logger, options.Value.HttpEndpoint);
    }

    [LoggerMessage(EventId = 9201, Level = LogLevel.Warning, Message = "{Waiting}")]
    private static partial void LogWaiting(ILogger logger, string waiting);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Information, Message = "Dapr sidecar at {Endpoint} is ready")]
    private static partial void LogReady(ILogger logger, string endpoint);
}
