using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Rpc;
using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Assignment.Tests.Integration;

public sealed class AssignmentTests : IAsyncLifetime
{
    private AssignmentHost _host = null!;

    public async Task InitializeAsync() => _host = await AssignmentHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Assign_explains_why_a_unit_gets_its_variant()
    {
        var draft = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("reasons", rollout: 100) });
        var context = new EvaluationContext { UserId = "user-42" };

        var whileDraft = await _host.Assignment.AssignAsync(new AssignRequest { Context = context, FlagKeys = { "reasons", "no-such-flag" } });
        Assert.Equal(AssignmentReason.ExperimentNotRunning, whileDraft.Assignments[0].Reason);
        Assert.Equal("control", whileDraft.Assignments[0].VariantKey);
        Assert.False(whileDraft.Assignments[0].InExperiment);
        Assert.Equal(AssignmentReason.UnknownFlag, whileDraft.Assignments[1].Reason);
        Assert.Equal("", whileDraft.Assignments[1].VariantKey);

        var running = await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = draft.Id, ExpectedRevision = 1 });
        var assigned = await _host.Assignment.AssignAsync(new AssignRequest { Context = context });
        var assignment = assigned.Assignments.Single(a => a.FlagKey == "reasons");
        Assert.Equal(AssignmentReason.Assigned, assignment.Reason);
        Assert.True(assignment.InExperiment);
        Assert.Equal(running.Revision, assignment.ExperimentRevision);
        Assert.Equal(running.Variants.Single(v => v.Key == assignment.VariantKey).Payload, assignment.Payload);

        var noUser = await _host.Assignment.AssignAsync(new AssignRequest { Context = new EvaluationContext { SessionId = "s-1" }, FlagKeys = { "reasons" } });
        Assert.Equal(AssignmentReason.MissingUnitId, noUser.Assignments[0].Reason);

        var stopped = await _host.Admin.StopExperimentAsync(new StopExperimentRequest { Id = draft.Id, ExpectedRevision = running.Revision, FinalVariantKey = "fast-engine" });
        var afterStop = await _host.Assignment.AssignAsync(new AssignRequest { Context = context, FlagKeys = { "reasons" } });
        Assert.Equal(AssignmentReason.ExperimentNotRunning, afterStop.Assignments[0].Reason);
        Assert.Equal("fast-engine", afterStop.Assignments[0].VariantKey);
        Assert.Equal(stopped.Revision, afterStop.Assignments[0].ExperimentRevision);
    }

    [Fact]
    public async Task Targeting_and_holdout_reasons_come_back_over_the_wire()
    {
        var experiment = SampleExperiments.Valid("targeted");
        experiment.Targeting = new Targeting
        {
            Groups = { "beta" },
            AttributeRules = { new AttributeRule { Attribute = "region", Operator = AttributeOperator.In, Values = { "eu-west" } } },
        };
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment });
        await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        var outsider = await _host.Assignment.AssignAsync(new AssignRequest { Context = new EvaluationContext { UserId = "u" }, FlagKeys = { "targeted" } });
        Assert.Equal(AssignmentReason.NotTargeted, outsider.Assignments[0].Reason);
        var insider = await _host.Assignment.AssignAsync(new AssignRequest
        {
            Context = new EvaluationContext { UserId = "u", Groups = { "beta" }, Attributes = { ["region"] = "eu-west" } },
            FlagKeys = { "targeted" },
        });
        Assert.Equal(AssignmentReason.Assigned, insider.Assignments[0].Reason);
    }

    [Fact]
    public async Task AssignBatch_answers_in_request_order_and_never_fails_for_one_bad_context()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("batch") });
        await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        var request = new AssignBatchRequest { FlagKeys = { "batch" } };
        for (var i = 0; i < 100; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = "user-" + i });
        }
        request.Contexts.Add(new EvaluationContext { UserId = new string('x', 10_000) });
        var response = await _host.Assignment.AssignBatchAsync(request);
        Assert.Equal(101, response.Results.Count);
        for (var i = 0; i < 100; i++)
        {
            var single = await _host.Assignment.AssignAsync(new AssignRequest { Context = request.Contexts[i], FlagKeys = { "batch" } });
            Assert.Equal(single.Assignments[0].VariantKey, response.Results[i].Assignments[0].VariantKey);
        }
        Assert.Equal(AssignmentReason.MissingUnitId, response.Results[100].Assignments[0].Reason);

        var tooLong = await Assert.ThrowsAsync<RpcException>(() => _host.Assignment.AssignAsync(new AssignRequest { Context = request.Contexts[100] }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, tooLong.StatusCode);
        Assert.StartsWith("context.user_id:", tooLong.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchDefinitions_sends_a_snapshot_then_every_change_in_version_order()
    {
        var before = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("watched-1") });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = _host.Assignment.WatchDefinitions(new WatchDefinitionsRequest(), cancellationToken: cancel.Token);
        var stream = call.ResponseStream;

        Assert.True(await stream.MoveNext(cancel.Token));
        var snapshot = stream.Current;
        Assert.Equal(WatchDefinitionsResponse.ChangeOneofCase.Snapshot, snapshot.ChangeCase);
        Assert.Contains(snapshot.Snapshot.Experiments, e => e.Id == before.Id);

        var started = await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = before.Id, ExpectedRevision = 1 });
        var second = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("watched-2") });
        await _host.Admin.ArchiveExperimentAsync(new ArchiveExperimentRequest { Id = second.Id, ExpectedRevision = 1 });

        var versions = new List<long> { snapshot.Version };
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(started.Revision, stream.Current.Upsert.Revision);
        Assert.Equal(ExperimentStatus.Running, stream.Current.Upsert.Status);
        versions.Add(stream.Current.Version);
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(second.Id, stream.Current.Upsert.Id);
        versions.Add(stream.Current.Version);
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(WatchDefinitionsResponse.ChangeOneofCase.Removal, stream.Current.ChangeCase);
        Assert.Equal("watched-2", stream.Current.Removal.FlagKey);
        versions.Add(stream.Current.Version);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());

        // A reconnect that passes the last version gets only what it missed, without a snapshot.
        var third = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("watched-3") });
        using var resumed = _host.Assignment.WatchDefinitions(new WatchDefinitionsRequest { ResumeAfterVersion = versions[^1] }, cancellationToken: cancel.Token);
        Assert.True(await resumed.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(WatchDefinitionsResponse.ChangeOneofCase.Upsert, resumed.ResponseStream.Current.ChangeCase);
        Assert.Equal(third.Id, resumed.ResponseStream.Current.Upsert.Id);
    }

    [Fact]
    public async Task The_service_and_an_in_process_evaluator_fed_by_WatchDefinitions_agree()
    {
        var layered = SampleExperiments.InLayer("agree-layered", "agree", 70);
        layered.Holdout = new Holdout { Name = "agree-holdout", Percent = 10 };
        layered.RolloutPercent = 80;
        var targeted = SampleExperiments.Valid("agree-targeted", unit: RandomizationUnit.Session);
        targeted.Targeting = new Targeting { AttributeRules = { new AttributeRule { Attribute = "tier", Operator = AttributeOperator.NotIn, Values = { "free" } } } };
        foreach (var experiment in new[] { layered, targeted, SampleExperiments.Valid("agree-plain", rollout: 35) })
        {
            var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment });
            await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = _host.Assignment.WatchDefinitions(new WatchDefinitionsRequest(), cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        var snapshot = call.ResponseStream.Current;
        // The SDK's view: definitions rebuilt from the protos alone.
        var local = new DefinitionSet(snapshot.Version, snapshot.Snapshot.Experiments.Select(ExperimentMapper.ToServedDefinition));

        var flags = new[] { "agree-layered", "agree-targeted", "agree-plain" };
        var agreed = 0;
        for (var batch = 0; batch < 5; batch++)
        {
            var request = new AssignBatchRequest { FlagKeys = { flags } };
            for (var i = 0; i < 1000; i++)
            {
                var n = batch * 1000 + i;
                request.Contexts.Add(new EvaluationContext { UserId = "user-" + n, SessionId = "session-" + n, Attributes = { ["tier"] = n % 3 == 0 ? "free" : "pro" } });
            }
            var response = await _host.Assignment.AssignBatchAsync(request);
            Assert.Equal(snapshot.Version, response.DefinitionsVersion);
            for (var i = 0; i < request.Contexts.Count; i++)
            {
                var context = request.Contexts[i];
                var unit = new UnitContext { UserId = context.UserId, SessionId = context.SessionId, Attributes = new Dictionary<string, string>(context.Attributes) };
                for (var f = 0; f < flags.Length; f++)
                {
                    var remote = response.Results[i].Assignments[f];
                    var decision = local.Evaluate(flags[f], unit);
                    Assert.Equal(remote.VariantKey, decision.VariantKey);
                    Assert.Equal((int)remote.Reason, (int)decision.Outcome);
                    agreed++;
                }
            }
        }
        Assert.Equal(15_000, agreed);
    }
}
