using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Auth;
using Experiments.Statistics;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Rpc;
using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class StatisticsExtensions
{
    /// <summary>Aggregation, checkpoints under <c>Data:Folder</c>, verdicts, the definitions watch.</summary>
    public static WebApplicationBuilder AddStatistics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StatisticsOptions>().BindConfiguration("Statistics");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ICheckpointStore>(sp =>
        {
            var folder = builder.Configuration["Data:Folder"] ?? "data";
            return new SqliteCheckpointStore(Path.Combine(folder, "statistics.db"));
        });
        builder.Services.AddSingleton<StatisticsShard>();
        builder.Services.AddSingleton<VerdictBook>();
        builder.Services.AddSingleton<StatisticsIntakeService>();
        builder.Services.AddSingleton<StatisticsService>();
        builder.Services.AddHostedService<StatisticsWorker>();
        builder.Services.AddSingleton<DefinitionsWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DefinitionsWatcher>());
        return builder;
    }

    /// <summary>Statistics (read scope) and StatisticsIntake (ingest scope).</summary>
    public static WebApplication MapStatistics(this WebApplication app)
    {
        var statistics = StatisticsServiceReflection.Descriptor.Services[0];
        var intake = StatisticsIntakeReflection.Descriptor.Services[0];
        app.MapGrpcService<StatisticsService>(statistics);
        app.MapGrpcService<StatisticsIntakeService>(intake);
        app.RequireScope(statistics.FullName, Scopes.Read);
        app.RequireScope(intake.FullName, Scopes.Ingest);
        _ = app.Services.GetRequiredService<IOptions<StatisticsOptions>>();
        return app;
    }
}
