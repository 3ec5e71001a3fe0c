using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Proto = Experiments.Contracts.V1;

namespace Experiments.Assignment.Rpc;

/// <summary>EvaluationContext → UnitContext, AssignmentDecision → VariantAssignment.</summary>
internal static class AssignmentMapper
{
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();

    public static UnitContext ToDomain(Proto.EvaluationContext? context, DefinitionValidator validator, string field)
    {
        if (context is null)
        {
            return new UnitContext();
        }
        validator.ValidateUnitId(context.UserId, field + ".user_id");
        validator.ValidateUnitId(context.SessionId, field + ".session_id");
        validator.ValidateUnitId(context.RequestId, field + ".request_id");
        return new UnitContext
        {
            UserId = context.UserId,
            SessionId = context.SessionId,
            RequestId = context.RequestId,
            Groups = context.Groups.Count == 0 ? [] : [.. context.Groups],
            Attributes = context.Attributes.Count == 0 ? NoAttributes : new Dictionary<string, string>(context.Attributes, StringComparer.Ordinal),
        };
    }

    public static Proto.VariantAssignment ToProto(string flagKey, in AssignmentDecision decision) => new()
    {
        FlagKey = flagKey,
        ExperimentId = decision.Experiment?.Definition.Id ?? "",
        ExperimentRevision = decision.Experiment?.Definition.Revision ?? 0,
        VariantKey = decision.VariantKey,
        Payload = decision.Payload,
        InExperiment = decision.InExperiment,
        Reason = (Proto.AssignmentReason)decision.Outcome,
    };
}
