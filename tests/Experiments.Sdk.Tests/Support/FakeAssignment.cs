using System.Threading.Channels;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// A test double of experiments.v1.Assignment's WatchDefinitions, in memory: the test pushes the messages the
/// stream carries, and can end the stream to force a reconnect. Records each call's resume version and key.
/// </summary>
internal sealed class FakeAssignment
{
    private Channel<WatchDefinitionsResponse> _messages = Channel.CreateUnbounded<WatchDefinitionsResponse>();

    public const string Address = "http://assignment.test";

    public List<long> ResumeVersions { get; } = [];

    public List<string> Authorizations { get; } = [];

    public void Send(WatchDefinitionsResponse message) => _messages.Writer.TryWrite(message);

    public void Snapshot(long version, params Experiment[] experiments)
    {
        var snapshot = new DefinitionSnapshot();
        snapshot.Experiments.AddRange(experiments);
        Send(new WatchDefinitionsResponse { Version = version, Snapshot = snapshot });
    }

    public void Upsert(long version, Experiment experiment) => Send(new WatchDefinitionsResponse { Version = version, Upsert = experiment });

    /// <summary>Ends the current stream (as a server restart would); the next call gets what is sent afterwards.</summary>
    public void EndStream()
    {
        var old = _messages;
        _messages = Channel.CreateUnbounded<WatchDefinitionsResponse>();
        old.Writer.TryComplete();
    }

    public static async Task<GrpcTestServer> StartAsync(FakeAssignment fake) =>
        await GrpcTestServer.StartAsync(
            services => services.AddSingleton(fake),
            app => app.MapGrpcService<Service>());

    /// <summary>Only WatchDefinitions, which the SDK calls; the base answers the rest UNIMPLEMENTED.</summary>
    internal sealed class Service(FakeAssignment fake) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            lock (fake.ResumeVersions)
            {
                fake.ResumeVersions.Add(request.ResumeAfterVersion);
                fake.Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? "");
            }
            var reader = fake._messages.Reader;
            await foreach (var message in reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(message);
            }
        }
    }
}
