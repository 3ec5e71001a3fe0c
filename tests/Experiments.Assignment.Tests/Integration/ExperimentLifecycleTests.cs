using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>ExperimentAdmin over a real socket, as a client that knows only the protos uses it.</summary>
public sealed class ExperimentLifecycleTests : IAsyncLifetime
{
    private AssignmentHost _host = null!;

    public async Task InitializeAsync() => _host = await AssignmentHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_experiment_is_defined_started_ramped_stopped_and_archived_with_an_audit_trail()
    {
        var admin = _host.Admin;
        var created = await admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("place-order-engine", rollout: 10), ExperimentId = "engine-v2" });
        Assert.Equal("engine-v2", created.Id);
        Assert.Equal(ExperimentStatus.Draft, created.Status);
        Assert.Equal(1, created.Revision);
        Assert.NotEmpty(created.Seed);
        Assert.Equal(0.05, created.Alpha);

        var started = await admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        Assert.Equal(ExperimentStatus.Running, started.Status);
        Assert.NotNull(started.StartTime);

        var ramped = await admin.RampExperimentAsync(new RampExperimentRequest { Id = created.Id, ExpectedRevision = 2, RolloutPercent = 50, Reason = "no guardrail breach after 24h" });
        Assert.Equal(50, ramped.RolloutPercent);
        Assert.Equal(3, ramped.Revision);

        var stopped = await admin.StopExperimentAsync(new StopExperimentRequest { Id = created.Id, ExpectedRevision = 3, Reason = "shipping: p99 -12%", FinalVariantKey = "fast-engine" });
        Assert.Equal(ExperimentStatus.Stopped, stopped.Status);
        Assert.Equal("fast-engine", stopped.FinalVariantKey);

        var archived = await admin.ArchiveExperimentAsync(new ArchiveExperimentRequest { Id = created.Id, ExpectedRevision = 4 });
        Assert.Equal(ExperimentStatus.Archived, archived.Status);

        var audit = await admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = created.Id });
        Assert.Equal(
            [AuditAction.Archive, AuditAction.Stop, AuditAction.Ramp, AuditAction.Start, AuditAction.Create],
            audit.AuditEntries.Select(e => e.Action).ToArray());
        Assert.All(audit.AuditEntries, e => Assert.Equal("test-admin", e.Actor));
        var ramp = audit.AuditEntries.Single(e => e.Action == AuditAction.Ramp);
        Assert.Equal(3, ramp.Revision);
        Assert.Equal("no guardrail breach after 24h", ramp.Reason);
        Assert.Equal("rollout 10% → 50%", ramp.Summary);
        Assert.Contains(ramp.Changes, c => c.FieldPath == "rollout_percent" && c.Before == "10%" && c.After == "50%");

        var first = await admin.GetExperimentAsync(new GetExperimentRequest { Id = created.Id, Revision = 1 });
        Assert.Equal(10, first.RolloutPercent);
        Assert.Equal(ExperimentStatus.Draft, first.Status);
    }

    [Theory]
    [InlineData("duplicate-variant", "experiment.variants[1].key", "duplicate variant key 'control'")]
    [InlineData("weights", "experiment.variants", "weights must sum to 100, they sum to 90")]
    [InlineData("no-control", "experiment.variants", "exactly one variant must have is_control = true, found 0")]
    [InlineData("two-controls", "experiment.variants", "exactly one variant must have is_control = true, found 2")]
    [InlineData("rollout", "experiment.rollout_percent", "must be between 0 and 100, got 120")]
    [InlineData("unknown-kpi-kind", "experiment.kpis[0].kind", "unknown KPI kind 42")]
    [InlineData("missing-kpi-kind", "experiment.kpis[0].kind", "is required")]
    [InlineData("no-primary", "experiment.kpis", "at least one KPI with role PRIMARY is required")]
    [InlineData("unit", "experiment.randomization_unit", "is required")]
    [InlineData("flag", "experiment.flag_key", "is required")]
    [InlineData("mde", "experiment.minimum_detectable_effect", "must be greater than 0")]
    [InlineData("attribute-rule", "experiment.targeting.attribute_rules[0].values[0]", "'abc' is not a number")]
    [InlineData("custom-metric", "experiment.kpis[0].metric_name", "CUSTOM_METRIC needs the metric name")]
    public async Task Bad_definitions_are_refused_with_a_message_naming_the_field(string defect, string field, string message)
    {
        var experiment = SampleExperiments.Valid("flag-" + defect);
        switch (defect)
        {
            case "duplicate-variant": experiment.Variants[1].Key = "control"; break;
            case "weights": experiment.Variants[1].Weight = 40; break;
            case "no-control": experiment.Variants[0].IsControl = false; break;
            case "two-controls": experiment.Variants[1].IsControl = true; break;
            case "rollout": experiment.RolloutPercent = 120; break;
            case "unknown-kpi-kind": experiment.Kpis[0].Kind = (KpiKind)42; break;
            case "missing-kpi-kind": experiment.Kpis[0].Kind = KpiKind.Unspecified; break;
            case "no-primary": experiment.Kpis[0].Role = KpiRole.Secondary; break;
            case "unit": experiment.RandomizationUnit = RandomizationUnit.Unspecified; break;
            case "flag": experiment.FlagKey = ""; break;
            case "mde": experiment.MinimumDetectableEffect = 0; break;
            case "attribute-rule":
                experiment.Targeting = new Targeting { AttributeRules = { new AttributeRule { Attribute = "client_version", Operator = AttributeOperator.GreaterThan, Values = { "abc" } } } };
                break;
            case "custom-metric": experiment.Kpis[0].Kind = KpiKind.CustomMetric; experiment.Kpis[0].Direction = DesiredDirection.Increase; break;
        }
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = experiment }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field + ": " + message, error.Status.Detail, StringComparison.Ordinal);
        var listed = await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { FlagKey = experiment.FlagKey });
        Assert.Empty(listed.Experiments);
    }

    [Fact]
    public async Task An_update_based_on_a_stale_revision_is_aborted_and_changes_nothing()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("stale") });
        var first = created.Clone();
        first.Description = "first writer";
        await _host.Admin.UpdateExperimentAsync(new UpdateExperimentRequest { Experiment = first, ExpectedRevision = 1, UpdateMask = new FieldMask { Paths = { "description" } } });

        var second = created.Clone();
        second.Description = "second writer, based on revision 1";
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.UpdateExperimentAsync(
            new UpdateExperimentRequest { Experiment = second, ExpectedRevision = 1, UpdateMask = new FieldMask { Paths = { "description" } } }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("revision 2", error.Status.Detail, StringComparison.Ordinal);

        var stored = await _host.Admin.GetExperimentAsync(new GetExperimentRequest { Id = created.Id });
        Assert.Equal("first writer", stored.Description);
        Assert.Equal(2, stored.Revision);
        var ramp = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.RampExperimentAsync(new RampExperimentRequest { Id = created.Id, ExpectedRevision = 1, RolloutPercent = 50 }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, ramp.StatusCode);
    }

    [Fact]
    public async Task Changing_variants_or_unit_of_a_running_experiment_fails_the_precondition()
    {
        var created = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("running-variants") });
        var running = await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });

        var newVariant = running.Clone();
        newVariant.Variants[1].Key = "faster-engine";
        var variants = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.UpdateExperimentAsync(
            new UpdateExperimentRequest { Experiment = newVariant, ExpectedRevision = running.Revision, UpdateMask = new FieldMask { Paths = { "variants" } } }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, variants.StatusCode);
        Assert.Contains("experiment.variants: variants of a running experiment cannot change", variants.Status.Detail, StringComparison.Ordinal);

        var newUnit = running.Clone();
        newUnit.RandomizationUnit = RandomizationUnit.Session;
        var unit = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.UpdateExperimentAsync(
            new UpdateExperimentRequest { Experiment = newUnit, ExpectedRevision = running.Revision }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, unit.StatusCode);
        Assert.Contains("experiment.randomization_unit", unit.Status.Detail, StringComparison.Ordinal);

        // Descriptive fields stay editable, and a full update that leaves frozen fields alone is accepted.
        var described = running.Clone();
        described.Description = "now with a longer hypothesis";
        var updated = await _host.Admin.UpdateExperimentAsync(new UpdateExperimentRequest { Experiment = described, ExpectedRevision = running.Revision });
        Assert.Equal("now with a longer hypothesis", updated.Description);
        Assert.Equal(ExperimentStatus.Running, updated.Status);

        var start = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = updated.Revision }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, start.StatusCode);
        var archive = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.ArchiveExperimentAsync(new ArchiveExperimentRequest { Id = created.Id, ExpectedRevision = updated.Revision }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, archive.StatusCode);
    }

    [Fact]
    public async Task A_layer_cannot_be_claimed_beyond_100_percent_and_segments_do_not_overlap()
    {
        var first = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.InLayer("layer-a", "checkout", 60) });
        var second = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.InLayer("layer-b", "checkout", 30) });
        Assert.Equal(0, first.Layer.SegmentStartPercent);
        Assert.Equal(60, second.Layer.SegmentStartPercent);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.InLayer("layer-c", "checkout", 20) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("experiment.layer.traffic_percent: layer 'checkout' would overflow: 20% requested, 10% free", error.Status.Detail, StringComparison.Ordinal);

        // Archiving frees the segment.
        await _host.Admin.ArchiveExperimentAsync(new ArchiveExperimentRequest { Id = first.Id, ExpectedRevision = 1 });
        var third = await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.InLayer("layer-c", "checkout", 20) });
        Assert.Equal(0, third.Layer.SegmentStartPercent);
    }

    [Fact]
    public async Task Ids_and_live_flag_keys_are_unique()
    {
        await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("unique-flag"), ExperimentId = "unique" });
        var sameId = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("other-flag"), ExperimentId = "unique" }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, sameId.StatusCode);
        var sameFlag = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("unique-flag") }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, sameFlag.StatusCode);
        var badId = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("x"), ExperimentId = "Bad_Id" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.StartsWith("experiment_id:", badId.Status.Detail, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.GetExperimentAsync(new GetExperimentRequest { Id = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Lists_are_paged_newest_first_and_filtered()
    {
        for (var i = 0; i < 5; i++)
        {
            await _host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("paged-" + i), ExperimentId = "paged-" + i });
        }
        await _host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = "paged-2", ExpectedRevision = 1 });
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { PageSize = 2, PageToken = token });
            Assert.True(page.Experiments.Count <= 2);
            seen.AddRange(page.Experiments.Select(e => e.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(["paged-4", "paged-3", "paged-2", "paged-1", "paged-0"], seen.Where(id => id.StartsWith("paged-", StringComparison.Ordinal)));

        var running = await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { Statuses = { ExperimentStatus.Running } });
        Assert.Equal(["paged-2"], running.Experiments.Select(e => e.Id));

        var first = await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { PageSize = 1 });
        var changed = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { PageSize = 1, PageToken = first.NextPageToken, FlagKey = "paged-1" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, changed.StatusCode);
        Assert.StartsWith("page_token:", changed.Status.Detail, StringComparison.Ordinal);
    }
}
