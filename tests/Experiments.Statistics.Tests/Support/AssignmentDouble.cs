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

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// A test double of the assignment service on a real loopback socket (Grpc.AspNetCore on Kestrel): Assignment.
/// WatchDefinitions (snapshot, then changes in version order; resumes after a version it still has) and
/// ExperimentAdmin.GetExperiment / RampExperiment / StopExperiment (optimistic concurrency on the revision, as the
/// real service documents: ABORTED when stale; FAILED_PRECONDITION for a ramp of an experiment neither DRAFT nor
/// RUNNING). Everything else is UNIMPLEMENTED (the generated bases' answer). The statistics service reaches it the way it reaches the real one.
/// </summary>
internal sealed class AssignmentDouble : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AssignmentDouble(WebApplication app, string address, DefinitionStore store)
    {
        _app = app;
        Address = address;
        Store = store;
    }

    public string Address { get; }

    public DefinitionStore Store { get; }

    public static async Task<AssignmentDouble> StartAsync(int port = 0, params Experiment[] experiments)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var store = new DefinitionStore();
        foreach (var experiment in experiments)
        {
            store.Upsert(experiment);
        }
        builder.Services.AddSingleton(store);
        var app = builder.Build();
        app.MapGrpcService<FakeAssignment>();
        app.MapGrpcService<FakeExperimentAdmin>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AssignmentDouble(app, address, store);
    }

    /// <summary>A loopback port that was free a moment ago, to start the double on later.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Store.Close();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Definitions with a version per change, and what callers asked of the admin API.</summary>
    internal sealed class DefinitionStore
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, Experiment> _experiments = [];
        private readonly List<WatchDefinitionsResponse> _changes = [];
        private readonly List<StopExperimentRequest> _stops = [];
        private readonly List<RampExperimentRequest> _ramps = [];
        private readonly List<string> _authorizations = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _version;

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

        /// <summary>
        /// Ramps that find someone else's change committed just before them (the revision moves on, so the ramp is
        /// ABORTED as stale), as when an operator edits the experiment while statistics rolls it back.
        /// </summary>
        public int ConcurrentChangesBeforeRamps { get; set; }

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

        /// <summary>When set, WatchDefinitions refuses any other <c>authorization</c> header with PERMISSION_DENIED, as a real service refuses a key without the scope.</summary>
        public string? RequiredAuthorization { get; set; }

        /// <summary>Completes when the first RampExperiment succeeds.</summary>
        public TaskCompletionSource<Experiment> FirstRamp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the first StopExperiment arrives.</summary>
        public TaskCompletionSource<StopExperimentRequest> FirstStop { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Upsert(Experiment experiment)
        {
            lock (_lock)
            {
                _experiments[experiment.Id] = experiment.Clone();
                Publish(new WatchDefinitionsResponse { Upsert = experiment.Clone() });
            }
        }

        public void Remove(string experimentId)
        {
            lock (_lock)
            {
                _experiments.Remove(experimentId);
                Publish(new WatchDefinitionsResponse { Removal = new ExperimentRemoval { ExperimentId = experimentId } });
            }
        }

        public Experiment? Find(string id)
        {
            lock (_lock)
            {
                return _experiments.TryGetValue(id, out var e) ? e.Clone() : null;
            }
        }

        public void RecordAuthorization(string value)
        {
            lock (_lock)
            {
                _authorizations.Add(value);
            }
        }

        public Experiment Stop(StopExperimentRequest request)
        {
            lock (_lock)
            {
                _stops.Add(request.Clone());
                if (!_experiments.TryGetValue(request.Id, out var experiment))
                {
                    throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id));
                }
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
                _experiments[stopped.Id] = stopped;
                Publish(new WatchDefinitionsResponse { Upsert = stopped.Clone() });
                FirstStop.TrySetResult(request.Clone());
                return stopped.Clone();
            }
        }

        public Experiment Ramp(RampExperimentRequest request)
        {
            lock (_lock)
            {
                _ramps.Add(request.Clone());
                if (!_experiments.TryGetValue(request.Id, out var experiment))
                {
                    throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id));
                }
                if (ConcurrentChangesBeforeRamps > 0)
                {
                    ConcurrentChangesBeforeRamps--;
                    experiment = experiment.Clone();
                    experiment.Revision++;
                    experiment.Description += " (edited)";
                    _experiments[experiment.Id] = experiment;
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
                _experiments[ramped.Id] = ramped;
                Publish(new WatchDefinitionsResponse { Upsert = ramped.Clone() });
                FirstRamp.TrySetResult(ramped.Clone());
                return ramped.Clone();
            }
        }

        /// <summary>The messages a watcher resuming after <paramref name="after"/> gets now, and a task for the next change.</summary>
        public (List<WatchDefinitionsResponse> Messages, long Version, Task Next) Read(long after, bool resuming)
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
                    snapshot.Experiments.AddRange(_experiments.Values.Select(e => e.Clone()));
                    messages = [new WatchDefinitionsResponse { Version = _version, Snapshot = snapshot }];
                }
                return (messages, _version, _changed.Task);
            }
        }

        public void Close()
        {
            lock (_lock)
            {
                _changed.TrySetCanceled();
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
    }

    internal sealed class FakeAssignment(DefinitionStore store) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            var authorization = context.RequestHeaders.GetValue("authorization") ?? "";
            store.RecordAuthorization(authorization);
            if (store.RequiredAuthorization is { } required && authorization != required)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "The key 'api-key' lacks the 'read' scope that /experiments.v1.Assignment/WatchDefinitions needs."));
            }
            var after = request.ResumeAfterVersion;
            var first = true;
            while (!context.CancellationToken.IsCancellationRequested)
            {
                var (messages, version, next) = store.Read(after, resuming: !first);
                first = false;
                foreach (var message in messages)
                {
                    await responseStream.WriteAsync(message);
                }
                after = version;
                try
                {
                    await next.WaitAsync(context.CancellationToken);
                }
                catch (TaskCanceledException)
                {
                    return;
                }
            }
        }
    }

    internal sealed class FakeExperimentAdmin(DefinitionStore store) : ExperimentAdmin.ExperimentAdminBase
    {
        public override Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) =>
            Task.FromResult(store.Find(request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, "no experiment " + request.Id)));

        public override Task<Experiment> StopExperiment(StopExperimentRequest request, ServerCallContext context)
        {
            store.RecordAuthorization(context.RequestHeaders.GetValue("authorization") ?? "");
            return Task.FromResult(store.Stop(request));
        }

        public override Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context)
        {
            store.RecordAuthorization(context.RequestHeaders.GetValue("authorization") ?? "");
            return Task.FromResult(store.Ramp(request));
        }
    }
}
