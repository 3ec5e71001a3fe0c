using Experiments.Assignment.Definitions;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Assignment.Rpc;

/// <summary>experiments.v1.ExperimentAdmin: maps requests to <see cref="ExperimentCatalog"/> and results back.</summary>
internal sealed class ExperimentAdminService(ExperimentCatalog catalog) : ExperimentAdmin.ExperimentAdminBase
{
    public override async Task<Experiment> CreateExperiment(CreateExperimentRequest request, ServerCallContext context)
    {
        if (request.Experiment is null)
        {
            throw new InvalidDefinitionException("experiment", "is required");
        }
        ExperimentRequestChecks.Check(request.Experiment);
        var created = await catalog.CreateAsync(ExperimentMapper.ToDomain(request.Experiment), request.ExperimentId,
            await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false);
        return ExperimentMapper.ToProto(created);
    }

    public override async Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) =>
        ExperimentMapper.ToProto(await catalog.GetAsync(request.Id, request.Revision, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListExperimentsResponse> ListExperiments(ListExperimentsRequest request, ServerCallContext context)
    {
        var states = new List<ExperimentState>();
        for (var i = 0; i < request.Statuses.Count; i++)
        {
            var state = (ExperimentState)request.Statuses[i];
            if (!Enum.IsDefined(state))
            {
                throw new InvalidDefinitionException($"statuses[{i}]", $"unknown status {(int)request.Statuses[i]}");
            }
            states.Add(state);
        }
        var page = await catalog.ListAsync(new ExperimentQuery(states, request.Layer, request.FlagKey), request.PageSize, request.PageToken, context.CancellationToken).ConfigureAwait(false);
        var response = new ListExperimentsResponse { NextPageToken = page.NextPageToken };
        response.Experiments.AddRange(page.Experiments.Select(ExperimentMapper.ToProto));
        return response;
    }

    public override async Task<Experiment> UpdateExperiment(UpdateExperimentRequest request, ServerCallContext context)
    {
        if (request.Experiment is null)
        {
            throw new InvalidDefinitionException("experiment", "is required");
        }
        ExperimentRequestChecks.Check(request.Experiment);
        var updated = await catalog.UpdateAsync(ExperimentMapper.ToDomain(request.Experiment), request.UpdateMask?.Paths.ToArray() ?? [],
            request.ExpectedRevision, await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false);
        return ExperimentMapper.ToProto(updated);
    }

    public override async Task<Experiment> StartExperiment(StartExperimentRequest request, ServerCallContext context) =>
        ExperimentMapper.ToProto(await catalog.StartAsync(request.Id, request.ExpectedRevision,
            await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

    public override async Task<Experiment> StopExperiment(StopExperimentRequest request, ServerCallContext context) =>
        ExperimentMapper.ToProto(await catalog.StopAsync(request.Id, request.ExpectedRevision, request.Reason, request.FinalVariantKey,
            await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

    public override async Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context) =>
        ExperimentMapper.ToProto(await catalog.RampAsync(request.Id, request.ExpectedRevision, request.RolloutPercent,
            request.Weights.Select(w => new WeightChange(w.VariantKey, w.Weight)).ToArray(), request.Reason,
            await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

    public override async Task<Experiment> ArchiveExperiment(ArchiveExperimentRequest request, ServerCallContext context) =>
        ExperimentMapper.ToProto(await catalog.ArchiveAsync(request.Id, request.ExpectedRevision,
            await CallerIdentity.ActorAsync(context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var page = await catalog.ListAuditAsync(request.ExperimentId, request.PageSize, request.PageToken, context.CancellationToken).ConfigureAwait(false);
        var response = new ListAuditEntriesResponse { NextPageToken = page.NextPageToken };
        response.AuditEntries.AddRange(page.Records.Select(ExperimentMapper.ToProto));
        return response;
    }
}
