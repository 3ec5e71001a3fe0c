using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Experiments.Testing.Dapr;
using Experiments.Testing.Ingestion;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>
/// Dapr mode without an ingestion address: exposures go to this service's own sidecar with <c>dapr-app-id</c>, and
/// the sidecar (the double, proxying as daprd does) hands them to the app of that id.
/// </summary>
public sealed class DaprInvocationTests
{
    [Fact]
    public async Task Exposures_reach_ingestion_through_the_sidecar_by_app_id()
    {
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync(loopback: true);
        await using var sidecar = await DaprSidecarDouble.StartAsync();
        sidecar.RouteApp("ingestion", ingestionServer.Address!);
        var settings = sidecar.Settings(apiToken: "sidecar-token").ToDictionary(p => p.Key, p => (string?)p.Value);
        settings["Exposures:DaprAppId"] = "ingestion";
        settings["Exposures:ApiKey"] = AssignmentHost.IngestKey;
        settings["Exposures:FlushInterval"] = "00:00:00.100";
        await using var host = await AssignmentHost.StartAsync(settings: settings);

        var created = await host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("invoked", rollout: 100) });
        await host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        var request = new AssignBatchRequest { FlagKeys = { "invoked" } };
        for (var i = 0; i < 50; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = "user-" + i });
        }
        var enrolled = (await host.Assignment.AssignBatchAsync(request)).Results.Count(r => r.Assignments[0].InExperiment);
        Assert.Equal(50, enrolled);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ingestion.EventsSent.Count() < enrolled && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(enrolled == ingestion.EventsSent.Select(e => e.UserId).Distinct().Count(), "calls: " + string.Join(", ", sidecar.Calls.Distinct()));
        var invocations = sidecar.Calls.Where(c => c.StartsWith("Invoke ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(invocations);
        Assert.All(invocations, c => Assert.Equal("Invoke ingestion/experiments.v1.Ingestion/IngestBatch", c));
        // The app's own key reaches ingestion untouched; the sidecar's token stays with the sidecar call.
        Assert.All(ingestion.Batches, b => Assert.Equal("Bearer " + AssignmentHost.IngestKey, b.Authorization));
        Assert.Contains("sidecar-token", sidecar.Tokens);
    }

    [Fact]
    public async Task An_unknown_app_id_is_unavailable_and_the_exposures_are_kept_for_a_retry()
    {
        await using var sidecar = await DaprSidecarDouble.StartAsync();
        var settings = sidecar.Settings().ToDictionary(p => p.Key, p => (string?)p.Value);
        settings["Exposures:DaprAppId"] = "nowhere";
        settings["Exposures:ApiKey"] = AssignmentHost.IngestKey;
        settings["Exposures:FlushInterval"] = "00:00:00.100";
        await using var host = await AssignmentHost.StartAsync(settings: settings);
        var created = await host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("lost", rollout: 100) });
        await host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        await host.Assignment.AssignAsync(new AssignRequest { FlagKeys = { "lost" }, Context = new EvaluationContext { UserId = "user-1" } });

        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync(loopback: true);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!sidecar.Calls.Any(c => c.StartsWith("Invoke nowhere/", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Contains(sidecar.Calls, c => c == "Invoke nowhere/experiments.v1.Ingestion/IngestBatch");

        // The app appears (a late-starting ingestion): the exposure held back is delivered on a later attempt.
        sidecar.RouteApp("nowhere", ingestionServer.Address!);
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (!ingestion.EventsSent.Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal("user-1", Assert.Single(ingestion.EventsSent.Select(e => e.UserId).Distinct()));
    }
}
