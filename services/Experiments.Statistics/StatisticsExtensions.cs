using Experiments.ServiceDefaults.Storage;
using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Clients;
using Experiments.Statistics;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Dapr;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Health;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Replay;
using Experiments.Statistics.Rpc;
using Experiments.Statistics.Sharding;
using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class StatisticsExtensions
{
    private const string StatisticsName = "experiments.v1.Statistics";
    private const string IntakeName = "experiments.v1.StatisticsIntake";
    private const string ShardsName = "experiments.v1.StatisticsShards";

    /// <summary>
    /// Aggregation, checkpoints (SQLite under <c>Data:Folder</c>, or the Dapr state store when <c>Dapr:HttpPort</c> or
    /// $DAPR_HTTP_PORT is set), verdicts, the definitions watch and automatic rollback, merged verdicts of shards.
    /// </summary>
    public static WebApplicationBuilder AddStatistics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StatisticsOptions>().BindConfiguration("Statistics").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StatisticsOptions>, StatisticsOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        // As daprd starts its app: the sidecar's port in $DAPR_HTTP_PORT unless Dapr:HttpPort says otherwise.
        builder.Services.AddOptions<DaprOptions>().BindConfiguration("Dapr")
            .Configure<IConfiguration>((dapr, configuration) => dapr.HttpPort ??= configuration.GetValue<int?>("DAPR_HTTP_PORT"))
            .Validate(o => o.BulkMaxMessages is >= 1 and <= 10_000, "Dapr:BulkMaxMessages must be between 1 and 10000")
            .Validate(o => o.BulkMaxAwait > TimeSpan.Zero && o.BulkMaxAwait <= TimeSpan.FromMinutes(1), "Dapr:BulkMaxAwait must be more than 0 and at most 1 minute")
            .Validate(o => o.CommitTimeout > TimeSpan.Zero, "Dapr:CommitTimeout must be more than 0")
            .ValidateOnStart();
        // Dapr mode: the sidecar through DaprClient, waited for (health NOT_SERVING, calls UNAVAILABLE, one log line);
        // the host starts its services concurrently so that health is served while the checkpoint restore waits for it.
        builder.Services.AddDaprSidecar(sp => sp.GetRequiredService<IOptions<DaprOptions>>().Value.Enabled);
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<DaprOptions>>((host, dapr) => host.ServicesStartConcurrently |= dapr.Value.Enabled);
        builder.Services.AddSingleton<DaprDeliveryMetrics>();
        builder.Services.AddScoped<DaprDeliveryEndpoints.Delivery>();
        // Local mode: checkpoints in the service's data folder, held by one process at a time.
        builder.Services.AddSingleton(sp => FolderLock.Acquire(DataFolder.Resolve(builder.Configuration, builder.Environment, "statistics"), DataFolder.Setting));
        builder.Services.AddSingleton<ICheckpointStore>(sp =>
        {
            if (sp.GetRequiredService<IOptions<DaprOptions>>().Value.Enabled)
            {
                return ActivatorUtilities.CreateInstance<DaprStateCheckpointStore>(sp);
            }
            return new SqliteCheckpointStore(Path.Combine(sp.GetRequiredService<FolderLock>().Folder, "statistics.db"));
        });
        builder.Services.AddSingleton<StatisticsShard>();
        builder.Services.AddSingleton<VerdictBook>();
        builder.Services.AddPeerClient<Experiments.Contracts.V1.Assignment.AssignmentClient>(AssignmentPeer);
        builder.Services.AddPeerClient<ExperimentAdmin.ExperimentAdminClient>(AssignmentPeer);
        builder.Services.AddSingleton<StatisticsIntakeService>();
        builder.Services.AddSingleton<StatisticsService>();
        builder.Services.AddSingleton<ReplayAnalyzer>();
        builder.Services.AddOptions<StatisticsOptions>()
            .Validate(o => o.Replay.MaxObservations >= 1, "Statistics:Replay:MaxObservations must be at least 1");
        builder.Services.AddSingleton<MergedVerdicts>();
        builder.Services.AddSingleton<StatisticsShardsService>();
        builder.Services.AddHostedService<StatisticsWorker>();
        builder.Services.AddSingleton<DefinitionsWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DefinitionsWatcher>());
        builder.Services.AddHealthFor(StatisticsName, IntakeName, ShardsName);
        builder.Services.AddHealthChecks()
            .AddProbe<ICheckpointStore>("checkpoints", (store, cancellationToken) => store.ProbeAsync(cancellationToken), "the checkpoint store cannot take a write")
            .AddCheck<AssignmentHealthCheck>("assignment");
        return builder;
    }

    private static PeerAddress AssignmentPeer(IServiceProvider provider)
    {
        var statistics = provider.GetRequiredService<IOptions<StatisticsOptions>>().Value;
        // Dapr mode with Dapr:AssignmentAppId: AssignmentAddress is this replica's sidecar (its gRPC port), which proxies the call to that app.
        var dapr = provider.GetRequiredService<IOptions<DaprOptions>>().Value;
        return new PeerAddress(new Uri(statistics.AssignmentAddress), statistics.AssignmentApiKey, dapr.Enabled ? dapr.AssignmentAppId : null);
    }

    /// <summary>
    /// Statistics and StatisticsShards (read scope), StatisticsIntake and StatisticsShards.ExportAggregates (internal
    /// scope: the service-to-service channel, which no SDK key carries).
    /// </summary>
    public static WebApplication MapStatistics(this WebApplication app)
    {
        app.MapGrpcService<StatisticsService>();
        app.MapGrpcService<StatisticsIntakeService>();
        app.MapGrpcService<StatisticsShardsService>();
        app.RequireScope(ShardsName, Scopes.Read);
        app.RequireScope(StatisticsName, Scopes.Read);
        app.RequireScope(IntakeName, Scopes.Internal);
        app.Services.GetRequiredService<MethodScopes>().RequireForMethod(ShardsName, "ExportAggregates", Scopes.Internal);
        _ = app.Services.GetRequiredService<IOptions<StatisticsOptions>>();
        if (app.Services.GetRequiredService<IOptions<DaprOptions>>().Value.Enabled)
        {
            app.MapDaprSubscription();
        }
        return app;
    }
}
