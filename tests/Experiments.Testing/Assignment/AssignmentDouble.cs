using System.Globalization;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Testing.Assignment;

/// <summary>
/// A double of the assignment service as its peers use it, on a real loopback socket (a statistics service in another
/// process reaches it as it reaches the real one). Assignment.WatchDefinitions: a snapshot, then each change in version
/// order, resuming after a version it still has. ExperimentAdmin: GetExperiment; RampExperiment and StopExperiment with
/// optimistic concurrency on the revision as the real service documents (ABORTED when stale; FAILED_PRECONDITION for a
/// ramp of an experiment neither DRAFT nor RUNNING), a ramp appended to the audit trail and published; ListAuditEntries
/// answers each experiment's entries, or UNAVAILABLE for an experiment given to <see cref="MakeAuditUnavailable"/>.
/// Everything else is UNIMPLEMENTED (the generated bases' answer). Records the authorization header of each watch,
/// ramp and stop.
/// </summary>
public sealed class AssignmentDouble : IGrpcServiceDouble, IAsyncDisposable
{
    /// <summary>Who the audit trail names for a ramp made through the double: the statistics service rolls back.</summary>
    public const string RampActor = "statistics";

    private readonly Lock _lock = new();
    private readonly List<Experiment> _experiments = [];
    private readonly List<WatchDefinitionsResponse> _changes = [];
    private readonly Dictionary<string, List<AuditEntry>> _audit = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unavailableAudit = new(StringComparer.Ordinal);
    private readonly List<StopExperimentRequest> _stops = [];
    private readonly List<RampExperimentRequest> _ramps = [];
    private readonly List<string> _authorizations = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private GrpcTestServer? _server;

    /// <summary>The loopback address of a double from <see cref="StartAsync"/>.</summary>
    public string Address => _server?.Address ?? throw new InvalidOperationException("Not started on loopback.");

    public IReadOnlyList<StopExperimentRequest> Stops
    {
        get
        {
            lock (_lock)
            {
                return [.. _stops];
            }
        }
    }

    public IReadOnlyList<RampExperimentRequest> Ramps
    {
        get
        {
            lock (_lock)
            {
                return [.. _ramps];
            }
        }
    }

    /// <summary>The authorization header of each WatchDefinitions, RampExperiment and StopExperiment call ("" when none).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get
        {
            lock (_lock)
            {
                return [.. _authorizations];
            }
        }
    }

    /// <summary>
    /// Ramps that find someone else's change committed just before them (the revision moves on, so the ramp is
    /// ABORTED as stale), as when an operator edits the experiment while statistics rolls it back.
    /// </summary>
    public int ConcurrentChangesBeforeRamps { get; set; }

    /// <summary>When set, WatchDefinitions refuses any other <c>authorization</c> header with PERMISSION_DENIED, as a real service refuses a key without the scope.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>Completes when the first RampExperiment succeeds.</summary>
    public TaskCompletionSource<Experiment> FirstRamp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first StopExperiment arrives.</summary>
    public TaskCompletionSource<StopExperimentRequest> FirstStop { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a double on 127.0.0.1:<paramref name="port"/> (0: any free port) serving <paramref name="experiments"/>.</summary>
    public static async Task<AssignmentDouble> StartAsync(int port = 0, params Experiment[] experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        var assignment = new AssignmentDouble();
        foreach (var experiment in experiments)
        {
            assignment.Upsert(experiment);
        }
        assignment._server = await GrpcTestServer.StartAsync([assignment], loopback: true, port).ConfigureAwait(false);
        return assignment;
    }

    public void AddTo(IServiceCollection services) => services.AddSingleton(this);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<AssignmentService>();
        endpoints.MapGrpcService<AdminService>();
    }

    /// <summary>Adds or replaces an experiment (in place, keeping the snapshot's order) and publishes the change.</summary>
    public void Upsert(Experiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        lock (_lock)
        {
            Put(experiment.Clone());
            Publish(new WatchDefinitionsResponse { Upsert = experiment.Clone() });
        }
    }

    public void Remove(string experimentId)
    {
        lock (_lock)
        {
            _experiments.RemoveAll(e => e.Id == experimentId);
            Publish(new WatchDefinitionsResponse { Removal = new ExperimentRemoval { ExperimentId = experimentId } });
        }
    }

    public Experiment? Find(string id)
    {
        lock (_lock)
        {
            return _experiments.Find(e => e.Id == id)?.Clone();
        }
    }

    /// <summary>The audit trail ListAuditEntries answers for <paramref name="experimentId"/>, newest first.</summary>
    public void SetAudit(string experimentId, IEnumerable<AuditEntry> entries)
    {
        lock (_lock)
        {
            _audit[experimentId] = [.. entries];
        }
    }

    /// <summary>ListAuditEntries answers UNAVAILABLE for <paramref name="experimentId"/>, as when the audit store is down.</summary>
    public void MakeAuditUnavailable(string experimentId)
    {
        lock (_lock)
        {
            _unavailableAudit.Add(experimentId);
        }
    }

    /// <summary>Ends the watch streams, so that the server can stop.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _changed.TrySetCanceled();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void RecordAuthorization(ServerCallContext context)
    {
        lock (_lock)
        {
            _authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? "");
        }
    }

    private List<AuditEntry> AuditOf(string id)
    {
        lock (_lock)
        {
            if (_unavailableAudit.Contains(id))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "audit store is down"));
            }
            return [.. _audit.GetValueOrDefault(id) ?? []];
        }
    }

    private Experiment Stop(StopExperimentRequest request)
    {
        lock (_lock)
        {
            _stops.Add(request.Clone());
            var experiment = _experiments.Find(e => e.Id == request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id));
            if (request.ExpectedRevision != experiment.Revision)
            {
                throw new RpcException(new Status(StatusCode.Aborted, "stale revision"));
            }
            var stopped = experiment.Clone();
            stopped.Status = ExperimentStatus.Stopped;
            stopped.Revision++;
            stopped.FinalVariantKey = request.FinalVariantKey;
            stopped.StopReason = request.Reason;
            stopped.StopTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
            Put(stopped);
            Publish(new WatchDefinitionsResponse { Upsert = stopped.Clone() });
            FirstStop.TrySetResult(request.Clone());
            return stopped.Clone();
        }
    }

    private Experiment Ramp(RampExperimentRequest request)
    {
        lock (_lock)
        {
            _ramps.Add(request.Clone());
            var experiment = _experiments.Find(e => e.Id == request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id));
            if (ConcurrentChangesBeforeRamps > 0)
            {
                ConcurrentChangesBeforeRamps--;
                experiment = experiment.Clone();
                experiment.Revision++;
                experiment.Description += " (edited)";
                Put(experiment);
                Publish(new WatchDefinitionsResponse { Upsert = experiment.Clone() });
            }
            if (request.ExpectedRevision != experiment.Revision)
            {
                throw new RpcException(new Status(StatusCode.Aborted, "stale revision"));
            }
            if (experiment.Status is not (ExperimentStatus.Draft or ExperimentStatus.Running))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "only a DRAFT or RUNNING experiment can ramp"));
            }
            var ramped = experiment.Clone();
            ramped.Revision++;
            ramped.RolloutPercent = request.RolloutPercent ?? experiment.RolloutPercent;
            Put(ramped);
            if (!_audit.TryGetValue(ramped.Id, out var entries))
            {
                _audit[ramped.Id] = entries = [];
            }
            entries.Insert(0, new AuditEntry
            {
                ExperimentId = ramped.Id, Revision = ramped.Revision, CreateTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Actor = RampActor, Action = AuditAction.Ramp, Reason = request.Reason,
                Summary = string.Create(CultureInfo.InvariantCulture, $"rollout {experiment.RolloutPercent}% → {ramped.RolloutPercent}%"),
                Changes = { new FieldChange { FieldPath = "rollout_percent", Before = experiment.RolloutPercent.ToString(CultureInfo.InvariantCulture), After = ramped.RolloutPercent.ToString(CultureInfo.InvariantCulture) } },
            });
            Publish(new WatchDefinitionsResponse { Upsert = ramped.Clone() });
            FirstRamp.TrySetResult(ramped.Clone());
            return ramped.Clone();
        }
    }

    /// <summary>The messages a watcher after <paramref name="after"/> gets now, the current version, and a task for the next change.</summary>
    private (List<WatchDefinitionsResponse> Messages, long Version, Task Next) Read(long after, bool resuming)
    {
        lock (_lock)
        {
            List<WatchDefinitionsResponse> messages;
            if (resuming || (after > 0 && after <= _version))
            {
                messages = [.. _changes.Where(c => c.Version > after)];
            }
            else
            {
                var snapshot = new DefinitionSnapshot();
                snapshot.Experiments.AddRange(_experiments.Select(e => e.Clone()));
                messages = [new WatchDefinitionsResponse { Version = _version, Snapshot = snapshot }];
            }
            return (messages, _version, _changed.Task);
        }
    }

    private void Put(Experiment experiment)
    {
        var index = _experiments.FindIndex(e => e.Id == experiment.Id);
        if (index < 0)
        {
            _experiments.Add(experiment);
        }
        else
        {
            _experiments[index] = experiment;
        }
    }

    private void Publish(WatchDefinitionsResponse change)
    {
        change.Version = ++_version;
        _changes.Add(change);
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private sealed class AssignmentService(AssignmentDouble assignment) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            assignment.RecordAuthorization(context);
            if (assignment.RequiredAuthorization is { } required && (context.RequestHeaders.GetValue("authorization") ?? "") != required)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "The key 'api-key' lacks the 'read' scope that /experiments.v1.Assignment/WatchDefinitions needs."));
            }
            var after = request.ResumeAfterVersion;
            var first = true;
            try
            {
                while (!context.CancellationToken.IsCancellationRequested)
                {
                    var (messages, version, next) = assignment.Read(after, resuming: !first);
                    first = false;
                    foreach (var message in messages)
                    {
                        await responseStream.WriteAsync(message).ConfigureAwait(false);
                    }
                    after = version;
                    await next.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The caller went away, or the double closed: the stream ends.
            }
        }
    }

    private sealed class AdminService(AssignmentDouble assignment) : ExperimentAdmin.ExperimentAdminBase
    {
        public override Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) =>
            Task.FromResult(assignment.Find(request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id)));

        public override Task<Experiment> StopExperiment(StopExperimentRequest request, ServerCallContext context)
        {
            assignment.RecordAuthorization(context);
            return Task.FromResult(assignment.Stop(request));
        }

        public override Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context)
        {
            assignment.RecordAuthorization(context);
            return Task.FromResult(assignment.Ramp(request));
        }

        public override Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
        {
            var response = new ListAuditEntriesResponse();
            response.AuditEntries.AddRange(assignment.AuditOf(request.ExperimentId));
            return Task.FromResult(response);
        }
    }
}
