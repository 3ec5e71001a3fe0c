using Experiments.Ingestion.Captures;
using Experiments.Ingestion.Log;
using Experiments.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

internal static class CaptureExtensions
{
    private const string CapturesServiceName = "experiments.v1.Captures";

    /// <summary>The capture store (Ingestion:Captures; beside the event log unless a path is set), its retention and the Captures service.</summary>
    public static IServiceCollection AddCaptures(this IServiceCollection services)
    {
        services.AddOptions<CaptureOptions>().BindConfiguration("Ingestion:Captures").ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaptureOptions>, CaptureOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var configured = sp.GetRequiredService<IOptions<CaptureOptions>>().Value.Path;
            var path = string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(sp.GetRequiredService<IOptions<LogOptions>>().Value.DataPath, "captures.db")
                : Path.GetFullPath(configured, sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            return ActivatorUtilities.CreateInstance<CaptureStore>(sp, path);
        });
        services.AddSingleton<CaptureValidator>();
        services.AddSingleton<IntendedUsageValidator>();
        services.AddSingleton<CapturesService>();
        services.AddHostedService<CaptureRetention>();
        services.AddHealthFor(CapturesServiceName);
        return services;
    }

    /// <summary>Opens the store before calls are taken; recording needs the ingest scope, everything else the capture scope.</summary>
    public static WebApplication MapCaptures(this WebApplication app)
    {
        app.Services.GetRequiredService<CaptureStore>();
        app.MapGrpcService<CapturesService>();
        app.RequireScope(CapturesServiceName, Scopes.Capture);
        app.Services.GetRequiredService<MethodScopes>().RequireForMethod(CapturesServiceName, nameof(Experiments.Contracts.V1.Captures.CapturesBase.RecordCaptures), Scopes.Ingest);
        return app;
    }
}
