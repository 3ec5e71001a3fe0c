using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Exposures;
using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Rpc;

/// <summary>
/// experiments.v1.Assignment: evaluates with the precompiled definitions (identical to IVariantFeatureManager),
/// reports exposures of enrolled units in the background, and streams definitions to SDKs.
/// </summary>
internal sealed class AssignmentService(
    ExperimentCatalog catalog,
    DefinitionFeed feed,
    DefinitionValidator validator,
    ExposureBuffer exposures,
    IOptions<AssignmentOptions> options) : Contracts.V1.Assignment.AssignmentBase
{
    private readonly AssignmentOptions _options = options.Value;

    public override Task<AssignResponse> Assign(AssignRequest request, ServerCallContext context) =>
        catalog.Ready.IsCompletedSuccessfully ? Task.FromResult(AssignNow(request)) : AssignWhenReadyAsync(request, context);

    private async Task<AssignResponse> AssignWhenReadyAsync(AssignRequest request, ServerCallContext context)
    {
        await ReadyAsync(context).ConfigureAwait(false);
        return AssignNow(request);
    }

    private AssignResponse AssignNow(AssignRequest request)
    {
        CheckFlagKeys(request.FlagKeys.Count);
        var unit = AssignmentMapper.ToDomain(request.Context, validator, "context");
        var set = feed.Current;
        var response = new AssignResponse { DefinitionsVersion = set.Version };
        Evaluate(set, unit, request.FlagKeys, response.Assignments);
        return response;
    }

    public override async Task<AssignBatchResponse> AssignBatch(AssignBatchRequest request, ServerCallContext context)
    {
        await ReadyAsync(context).ConfigureAwait(false);
        CheckFlagKeys(request.FlagKeys.Count);
        if (request.Contexts.Count > _options.MaxBatchContexts)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"contexts: {request.Contexts.Count} contexts in one call; the limit is {_options.MaxBatchContexts}"));
        }
        var set = feed.Current;
        var response = new AssignBatchResponse { DefinitionsVersion = set.Version };
        for (var i = 0; i < request.Contexts.Count; i++)
        {
            var result = new UnitAssignments();
            UnitContext unit;
            try
            {
                unit = AssignmentMapper.ToDomain(request.Contexts[i], validator, $"contexts[{i}]");
            }
            catch (InvalidDefinitionException)
            {
                // A context that cannot be evaluated yields MISSING_UNIT_ID, never a failed call.
                unit = new UnitContext();
            }
            Evaluate(set, unit, request.FlagKeys, result.Assignments);
            response.Results.Add(result);
        }
        return response;
    }

    public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
    {
        await ReadyAsync(context).ConfigureAwait(false);
        var watcher = new DefinitionWatcher(feed, request.FlagKeys);
        await watcher.RunAsync(request.ResumeAfterVersion, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    private void Evaluate(DefinitionSet set, UnitContext unit, IReadOnlyList<string> flagKeys, ICollection<VariantAssignment> into)
    {
        if (flagKeys.Count == 0)
        {
            foreach (var experiment in set.Experiments)
            {
                var decision = experiment.Evaluate(unit);
                Report(unit, decision, into, experiment.Definition.FlagKey);
            }
            return;
        }
        foreach (var flagKey in flagKeys)
        {
            Report(unit, set.Evaluate(flagKey, unit), into, flagKey);
        }
    }

    private void Report(UnitContext unit, in AssignmentDecision decision, ICollection<VariantAssignment> into, string flagKey)
    {
        into.Add(AssignmentMapper.ToProto(flagKey, decision));
        if (decision.InExperiment)
        {
            exposures.Offer(unit, decision);
        }
    }

    private void CheckFlagKeys(int count)
    {
        if (count > _options.MaxFlagKeys)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"flag_keys: {count} flag keys in one call; the limit is {_options.MaxFlagKeys}"));
        }
    }

    private Task ReadyAsync(ServerCallContext context) =>
        catalog.Ready.IsCompletedSuccessfully ? Task.CompletedTask : catalog.Ready.WaitAsync(context.CancellationToken);
}
