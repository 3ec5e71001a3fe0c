using Experiments.Contracts.V1;
using Experiments.Ingestion.Intake;

namespace Experiments.Ingestion.Rpc;

/// <summary>Maps batch outcomes to IngestResponse, listing at most a configured number of rejections.</summary>
internal static class IngestResponses
{
    public static IngestResponse For(BatchOutcome outcome, int maxRejections)
    {
        var response = new IngestResponse { BatchSequence = outcome.Sequence };
        Add(response, outcome, maxRejections);
        return response;
    }

    /// <summary>Adds a batch's counts and rejections to a response (the summary of an Ingest call).</summary>
    public static void Add(IngestResponse response, BatchOutcome outcome, int maxRejections)
    {
        response.AcceptedCount += outcome.Accepted;
        response.DuplicateCount += outcome.Duplicates;
        response.RejectedCount += outcome.Rejections.Count;
        foreach (var r in outcome.Rejections)
        {
            if (response.Rejections.Count >= maxRejections)
            {
                response.RejectionsTruncated = true;
                break;
            }
            response.Rejections.Add(new EventRejection
            {
                BatchSequence = outcome.Sequence,
                Index = r.Index,
                EventId = r.EventId,
                Reason = r.Reason,
                Field = r.Field,
                Message = r.Message,
            });
        }
    }
}
