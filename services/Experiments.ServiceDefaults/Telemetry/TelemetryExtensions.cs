using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Experiments.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// Traces and metrics from the ecosystem's instrumentation (ASP.NET Core, gRPC client, runtime) and our own
    /// sources; metrics always reach the Prometheus scrape endpoint; traces are recorded, and traces, metrics and logs
    /// go over OTLP, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or <c>OpenTelemetry:Endpoint</c>) is set.
    /// </summary>
    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? builder.Configuration["OpenTelemetry:Endpoint"];
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("System.Net.Http", CallTelemetryInterceptor.MeterName, "Experiments.*")
                .AddPrometheusExporter());
        if (!string.IsNullOrEmpty(endpoint))
        {
            // Traces only when they go somewhere: recording an activity per call with no exporter cost every request.
            telemetry.WithTracing(tracing => tracing
                    .AddAspNetCoreInstrumentation()
                    .AddGrpcClientInstrumentation()
                    .AddSource("Experiments.*"))
                .UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, new Uri(endpoint));
        }
    }
}
