using Experiments.Grpc.Server.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Experiments.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// Exports traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or
    /// <c>OpenTelemetry:Endpoint</c>) is set; otherwise telemetry stays in-process (meters and activities
    /// are still there for dotnet-counters and tests).
    /// </summary>
    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? builder.Configuration["OpenTelemetry:Endpoint"];
        if (string.IsNullOrEmpty(endpoint))
        {
            return;
        }
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        var otlp = new Uri(endpoint);

        // OpenTelemetry.Extensions.Hosting is not available here: the providers are built directly and
        // owned by the container, which disposes (and so flushes) them at shutdown.
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource("Microsoft.AspNetCore", "Experiments.*")
            .AddOtlpExporter(o => o.Endpoint = otlp)
            .Build();
        var meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", CallTelemetryInterceptor.MeterName, "Experiments.*")
            .AddOtlpExporter(o => o.Endpoint = otlp)
            .Build();
        builder.Services.AddSingleton(tracer);
        builder.Services.AddSingleton(meter);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(resource);
            logging.IncludeFormattedMessage = true;
            logging.AddOtlpExporter(o => o.Endpoint = otlp);
        });
    }
}
