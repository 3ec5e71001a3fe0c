using Experiments.Assignment.Tests.Support;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Tests.Shared;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>Assignments are sticky across restarts: the definitions (seed included) come back from the store.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Assignments_survive_a_restart_over_the_same_SQLite_file()
    {
        var folder = TempFolder.Create();
        _folders.Add(folder);
        AssignBatchResponse before;
        Experiment running;
        await using (var first = await AssignmentHost.StartAsync(folder))
        {
            running = await DefineAndStartAsync(first.Admin, "sticky");
            before = await first.Assignment.AssignBatchAsync(Batch("sticky"));
        }
        await using var second = await AssignmentHost.StartAsync(folder);
        var after = await second.Assignment.AssignBatchAsync(Batch("sticky"));
        AssertSameAssignments(before, after);
        var reloaded = await second.Admin.GetExperimentAsync(new GetExperimentRequest { Id = running.Id });
        Assert.Equal(running, reloaded);
        var audit = await second.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = running.Id });
        Assert.Equal(2, audit.AuditEntries.Count);
    }

    [Fact]
    public async Task Assignments_survive_a_restart_of_the_real_process()
    {
        var folder = TempFolder.Create();
        _folders.Add(folder);
        var dataArgument = "--Data:Folder=" + folder;
        const string noExposures = "--Exposures:IngestionAddress=";
        AssignBatchResponse before;
        await using (var first = await ServiceProcess.StartAsync("Experiments.Assignment", dataArgument, noExposures))
        {
            using var channel = GrpcChannel.ForAddress(first.Address);
            // The development key from appsettings.json, as documented in the README.
            const string key = "dev-local-key";
            await DefineAndStartAsync(new ExperimentAdmin.ExperimentAdminClient(channel.WithApiKey(key)), "sticky-process");
            before = await new Contracts.V1.Assignment.AssignmentClient(channel.WithApiKey(key)).AssignBatchAsync(Batch("sticky-process"));
        }
        await using var second = await ServiceProcess.StartAsync("Experiments.Assignment", dataArgument, noExposures);
        using var secondChannel = GrpcChannel.ForAddress(second.Address);
        var after = await new Contracts.V1.Assignment.AssignmentClient(secondChannel.WithApiKey("dev-local-key")).AssignBatchAsync(Batch("sticky-process"));
        AssertSameAssignments(before, after);
    }

    [Fact]
    public async Task The_service_runs_on_the_Dapr_state_store_when_the_sidecar_port_is_configured()
    {
        await using var sidecar = await Experiments.Testing.Dapr.DaprSidecarDouble.StartAsync();
        var settings = sidecar.Settings().ToDictionary(s => s.Key, s => (string?)s.Value);
        AssignBatchResponse before;
        await using (var first = await AssignmentHost.StartAsync(settings: settings))
        {
            var running = await DefineAndStartAsync(first.Admin, "dapr-sticky");
            before = await first.Assignment.AssignBatchAsync(Batch("dapr-sticky"));
            var stale = await Assert.ThrowsAsync<RpcException>(() => first.Admin.StartExperimentAsync(new StartExperimentRequest { Id = running.Id, ExpectedRevision = 1 }).ResponseAsync);
            Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        }
        Assert.True(sidecar.Store("statestore").Writes >= 4, $"only {sidecar.Store("statestore").Writes} writes reached the sidecar");
        await using var second = await AssignmentHost.StartAsync(settings: settings);
        AssertSameAssignments(before, await second.Assignment.AssignBatchAsync(Batch("dapr-sticky")));
    }

    private static async Task<Experiment> DefineAndStartAsync(ExperimentAdmin.ExperimentAdminClient admin, string flag)
    {
        var created = await admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid(flag, rollout: 40) });
        return await admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = created.Revision });
    }

    private static AssignBatchRequest Batch(string flag)
    {
        var request = new AssignBatchRequest { FlagKeys = { flag } };
        for (var i = 0; i < 1000; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = "user-" + i });
        }
        return request;
    }

    private static void AssertSameAssignments(AssignBatchResponse before, AssignBatchResponse after)
    {
        Assert.Equal(before.Results.Count, after.Results.Count);
        var enrolled = 0;
        for (var i = 0; i < before.Results.Count; i++)
        {
            Assert.Equal(before.Results[i], after.Results[i]);
            enrolled += before.Results[i].Assignments[0].InExperiment ? 1 : 0;
        }
        // 40% rollout: both enrolled and non-enrolled units were compared.
        Assert.InRange(enrolled, 300, 500);
    }
}
