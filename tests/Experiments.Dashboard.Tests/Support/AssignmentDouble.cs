using System.Globalization;
using System.Net;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// A test double of the assignment service on a real loopback socket, on Grpc.AspNetCore: WatchDefinitions
/// streams a snapshot of the given experiments, then each change; GetExperiment and RampExperiment (optimistic
/// concurrency on the revision; the ramp is appended to the audit trail with its reason and published);
/// ListAuditEntries answers each experiment's entries, or UNAVAILABLE for the experiments listed in
/// <see cref="Definitions.UnavailableAudit"/>. Everything else is UNIMPLEMENTED (the generated bases' answer). The statistics service reaches it the
/// way it reaches the real one.
/// </summary>
internal sealed class AssignmentDouble : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AssignmentDouble(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<AssignmentDouble> StartAsync(Definitions definitions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(definitions);
        var app = builder.Build();
        app.MapGrpcService<FakeAssignment>();
        app.MapGrpcService<FakeExperimentAdmin>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AssignmentDouble(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>What the double serves, and the changes made through it.</summary>
    internal sealed class Definitions
    {
        private readonly Lock _lock = new();
        private readonly List<WatchDefinitionsResponse> _changes = [];
        private readonly List<RampExperimentRequest> _ramps = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<Experiment> Experiments { get; } = [];

        public Dictionary<string, List<AuditEntry>> Audit { get; } = [];

        public HashSet<string> UnavailableAudit { get; } = [];

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

        public Experiment? Find(string id)
        {
            lock (_lock)
            {
                return Experiments.FirstOrDefault(e => e.Id == id)?.Clone();
            }
        }

        public List<AuditEntry> AuditOf(string id)
        {
            lock (_lock)
            {
                return [.. Audit.GetValueOrDefault(id) ?? []];
            }
        }

        /// <summary>The snapshot (after 0) or the changes after a version, the current version, and a task for the next change.</summary>
        public (List<WatchDefinitionsResponse> Messages, long Version, Task Next) Read(long after)
        {
            lock (_lock)
            {
                List<WatchDefinitionsResponse> messages;
                if (after == 0)
                {
                    var snapshot = new DefinitionSnapshot();
                    snapshot.Experiments.AddRange(Experiments.Select(e => e.Clone()));
                    messages = [new WatchDefinitionsResponse { Version = _changes.Count + 1, Snapshot = snapshot }];
                }
                else
                {
                    messages = [.. _changes.Where(c => c.Version > after)];
                }
                return (messages, _changes.Count + 1, _changed.Task);
            }
        }

        public Experiment Ramp(RampExperimentRequest request, string actor)
        {
            lock (_lock)
            {
                _ramps.Add(request.Clone());
                var index = Experiments.FindIndex(e => e.Id == request.Id);
                if (index < 0)
                {
                    throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id));
                }
                var current = Experiments[index];
                if (request.ExpectedRevision != current.Revision)
                {
                    throw new RpcException(new Status(StatusCode.Aborted, "stale revision"));
                }
                var ramped = current.Clone();
                ramped.Revision++;
                ramped.RolloutPercent = request.RolloutPercent ?? current.RolloutPercent;
                Experiments[index] = ramped;
                if (!Audit.TryGetValue(ramped.Id, out var entries))
                {
                    Audit[ramped.Id] = entries = [];
                }
                entries.Insert(0, new AuditEntry
                {
                    ExperimentId = ramped.Id, Revision = ramped.Revision, CreateTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    Actor = actor, Action = AuditAction.Ramp, Reason = request.Reason,
                    Summary = string.Create(CultureInfo.InvariantCulture, $"rollout {current.RolloutPercent}% → {ramped.RolloutPercent}%"),
                    Changes = { new FieldChange { FieldPath = "rollout_percent", Before = current.RolloutPercent.ToString(CultureInfo.InvariantCulture), After = ramped.RolloutPercent.ToString(CultureInfo.InvariantCulture) } },
                });
                _changes.Add(new WatchDefinitionsResponse { Version = _changes.Count + 2, Upsert = ramped.Clone() });
                var changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.TrySetResult();
                return ramped.Clone();
            }
        }
    }

    internal sealed class FakeAssignment(Definitions definitions) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            var after = request.ResumeAfterVersion;
            try
            {
                while (true)
                {
                    var (messages, version, next) = definitions.Read(after);
                    foreach (var message in messages)
                    {
                        await responseStream.WriteAsync(message);
                    }
                    after = version;
                    await next.WaitAsync(context.CancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    internal sealed class FakeExperimentAdmin(Definitions definitions) : ExperimentAdmin.ExperimentAdminBase
    {
        public override Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
        {
            if (definitions.UnavailableAudit.Contains(request.ExperimentId))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "audit store is down"));
            }
            var response = new ListAuditEntriesResponse();
            response.AuditEntries.AddRange(definitions.AuditOf(request.ExperimentId));
            return Task.FromResult(response);
        }

        public override Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) =>
            Task.FromResult(definitions.Find(request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, request.Id)));

        public override Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context) =>
            Task.FromResult(definitions.Ramp(request, "statistics"));
    }
}
