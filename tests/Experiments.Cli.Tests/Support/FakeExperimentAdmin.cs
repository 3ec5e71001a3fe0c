using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Cli.Tests.Support;

/// <summary>
/// A test double of experiments.v1.ExperimentAdmin: an in-memory catalog with revisions and lifecycle, which records
/// every request and its authorization header, and can be told to fail the next call with a given status.
/// </summary>
public sealed class FakeExperimentAdmin : ExperimentAdmin.ExperimentAdminBase
{
    private readonly object _gate = new();
    private readonly List<Experiment> _experiments = [];
    private readonly List<AuditEntry> _audit = [];

    /// <summary>Page size of ListExperiments and ListAuditEntries, small so that clients must follow page tokens.</summary>
    public int PageSize { get; set; } = 2;

    public List<object> Requests { get; } = [];

    public List<string?> Authorizations { get; } = [];

    /// <summary>Thrown by the next call instead of answering it.</summary>
    public RpcException? FailNext { get; set; }

    public Experiment Add(Experiment experiment)
    {
        lock (_gate)
        {
            _experiments.Add(experiment);
            return experiment;
        }
    }

    public Experiment Stored(string id)
    {
        lock (_gate)
        {
            return _experiments.Single(e => e.Id == id).Clone();
        }
    }

    public override Task<Experiment> CreateExperiment(CreateExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var experiment = request.Experiment.Clone();
        experiment.Id = request.ExperimentId.Length > 0 ? request.ExperimentId : "generated-" + _experiments.Count;
        if (_experiments.Any(e => e.Id == experiment.Id))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"experiment '{experiment.Id}' already exists"));
        }
        experiment.Status = ExperimentStatus.Draft;
        experiment.Revision = 1;
        experiment.CreateTime = experiment.UpdateTime = Timestamp.FromDateTime(new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc));
        _experiments.Add(experiment);
        Audit(experiment, AuditAction.Create, "created", "");
        return experiment;
    });

    public override Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) => Handle(request, context, () => Find(request.Id));

    public override Task<ListExperimentsResponse> ListExperiments(ListExperimentsRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var matching = _experiments
            .Where(e => request.Statuses.Count == 0 ? e.Status != ExperimentStatus.Archived : request.Statuses.Contains(e.Status))
            .Where(e => request.Layer.Length == 0 || e.Layer?.Name == request.Layer)
            .Where(e => request.FlagKey.Length == 0 || e.FlagKey == request.FlagKey)
            .ToList();
        var start = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var response = new ListExperimentsResponse();
        response.Experiments.AddRange(matching.Skip(start).Take(PageSize));
        if (start + PageSize < matching.Count)
        {
            response.NextPageToken = (start + PageSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return response;
    });

    public override Task<Experiment> UpdateExperiment(UpdateExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var stored = Find(request.Experiment.Id);
        CheckRevision(stored, request.ExpectedRevision);
        var updated = request.Experiment.Clone();
        updated.Status = stored.Status;
        updated.CreateTime = stored.CreateTime;
        return Replace(stored, updated, AuditAction.Update, "");
    });

    public override Task<Experiment> StartExperiment(StartExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var stored = Find(request.Id);
        CheckRevision(stored, request.ExpectedRevision);
        if (stored.Status != ExperimentStatus.Draft)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"experiment '{stored.Id}' is {stored.Status}, not DRAFT"));
        }
        var updated = stored.Clone();
        updated.Status = ExperimentStatus.Running;
        return Replace(stored, updated, AuditAction.Start, "");
    });

    public override Task<Experiment> StopExperiment(StopExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var stored = Find(request.Id);
        CheckRevision(stored, request.ExpectedRevision);
        var updated = stored.Clone();
        updated.Status = ExperimentStatus.Stopped;
        updated.StopReason = request.Reason;
        updated.FinalVariantKey = request.FinalVariantKey.Length > 0 ? request.FinalVariantKey : stored.Variants.First(v => v.IsControl).Key;
        return Replace(stored, updated, AuditAction.Stop, request.Reason);
    });

    public override Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var stored = Find(request.Id);
        CheckRevision(stored, request.ExpectedRevision);
        var updated = stored.Clone();
        if (request.RolloutPercent is { } rollout)
        {
            updated.RolloutPercent = rollout;
        }
        foreach (var weight in request.Weights)
        {
            updated.Variants.Single(v => v.Key == weight.VariantKey).Weight = weight.Weight;
        }
        return Replace(stored, updated, AuditAction.Ramp, request.Reason);
    });

    public override Task<Experiment> ArchiveExperiment(ArchiveExperimentRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var stored = Find(request.Id);
        CheckRevision(stored, request.ExpectedRevision);
        var updated = stored.Clone();
        updated.Status = ExperimentStatus.Archived;
        return Replace(stored, updated, AuditAction.Archive, "");
    });

    public override Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context) => Handle(request, context, () =>
    {
        var matching = _audit.Where(a => request.ExperimentId.Length == 0 || a.ExperimentId == request.ExperimentId).Reverse().ToList();
        var start = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var size = Math.Min(PageSize, request.PageSize == 0 ? PageSize : request.PageSize);
        var response = new ListAuditEntriesResponse();
        response.AuditEntries.AddRange(matching.Skip(start).Take(size));
        if (start + size < matching.Count)
        {
            response.NextPageToken = (start + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return response;
    });

    private Task<T> Handle<T>(object request, ServerCallContext context, Func<T> answer)
    {
        lock (_gate)
        {
            Requests.Add(request);
            Authorizations.Add(context.RequestHeaders.GetValue("authorization"));
            if (FailNext is { } failure)
            {
                FailNext = null;
                throw failure;
            }
            return Task.FromResult(answer());
        }
    }

    private Experiment Find(string id) =>
        _experiments.FirstOrDefault(e => e.Id == id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"experiment '{id}' not found"));

    private static void CheckRevision(Experiment stored, long expected)
    {
        if (expected != stored.Revision)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"experiment '{stored.Id}' is at revision {stored.Revision}, not {expected}; re-read it and retry"));
        }
    }

    private Experiment Replace(Experiment stored, Experiment updated, AuditAction action, string reason)
    {
        updated.Revision = stored.Revision + 1;
        _experiments[_experiments.IndexOf(stored)] = updated;
        Audit(updated, action, action.ToString().ToLowerInvariant(), reason);
        return updated;
    }

    private void Audit(Experiment experiment, AuditAction action, string summary, string reason) => _audit.Add(new AuditEntry
    {
        ExperimentId = experiment.Id,
        Revision = experiment.Revision,
        Action = action,
        Actor = "test",
        Summary = summary,
        Reason = reason,
        CreateTime = Timestamp.FromDateTime(new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddMinutes(experiment.Revision)),
    });
}
