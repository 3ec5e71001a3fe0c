using System.Diagnostics;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Grpc.Net.Client;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// The service as a real process over a real SQLite file, killed (SIGKILL) in the middle of a Forward stream, restarted
/// on the same folder and fed again from the position it confirmed: the verdict equals one clean uninterrupted run.
/// </summary>
public sealed class RestartRecoveryTests : IAsyncLifetime
{
    private const string Key = "dev-internal-key"; // the local-mode service key of appsettings.json: internal and read
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync() => _assignment = await AssignmentDouble.StartAsync(0, TestExperiments.Latency("exp-1"));

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    private Task<ServiceProcess> StartAsync(string folder) => ServiceProcess.StartAsync("Experiments.Statistics",
        "--Data:Folder=" + folder, "--Statistics:AssignmentAddress=" + _assignment.Address,
        "--Statistics:CheckpointInterval=00:00:00.100", "--Statistics:VerdictInterval=00:00:00.050", "--Logging:LogLevel:Default=Warning");

    [Fact]
    public async Task Killed_mid_stream_then_resumed_from_the_confirmed_position_the_verdict_equals_a_clean_run()
    {
        var traffic = new Traffic(31, "exp-1") { TreatmentLatencyFactor = 0.9 };
        var events = Forwarding.Log(traffic.Users(3000));
        var batches = Forwarding.Batches("log-a", 0, 1, events, 100).ToList();
        bool Complete(Verdict v) => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum();

        Verdict clean;
        var cleanFolder = Path.Combine(_data.Path, "clean");
        await using (var once = await StartAsync(cleanFolder))
        {
            using var channel = GrpcChannel.ForAddress(once.Address);
            await Forwarding.SendAllAsync(new StatisticsIntake.StatisticsIntakeClient(channel.WithApiKey(Key)), batches);
            clean = await new StatisticsClient(channel.WithApiKey(Key)).WaitForVerdictAsync("exp-1", Complete);
        }

        var folder = Path.Combine(_data.Path, "crashed");
        long acknowledged = 0;
        var sent = 0;
        await using (var first = await StartAsync(folder))
        {
            using var channel = GrpcChannel.ForAddress(first.Address);
            using var call = new StatisticsIntake.StatisticsIntakeClient(channel.WithApiKey(Key)).Forward();
            var reading = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    Interlocked.Exchange(ref acknowledged, call.ResponseStream.Current.ConfirmedPosition);
                }
            });
            // Keep sending until some positions are confirmed and more than half the batches are out, then kill.
            while (sent < batches.Count * 2 / 3 && (Interlocked.Read(ref acknowledged) == 0 || sent < batches.Count / 2))
            {
                await call.RequestStream.WriteAsync(batches[sent++]);
                await Task.Delay(5);
            }
            // On a loaded machine the first checkpoint may commit only after these writes: wait for it rather than kill a
            // process that has confirmed nothing. The stream stays open, so the kill still lands mid-stream.
            var patience = Stopwatch.StartNew();
            while (Interlocked.Read(ref acknowledged) == 0 && !reading.IsCompleted && patience.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(20);
            }
            Assert.True(Interlocked.Read(ref acknowledged) > 0, "nothing was confirmed before the kill");
            await first.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => reading);
        }

        await using var second = await StartAsync(folder);
        using var secondChannel = GrpcChannel.ForAddress(second.Address);
        var intake = new StatisticsIntake.StatisticsIntakeClient(secondChannel.WithApiKey(Key));
        using var probe = intake.Forward();
        await probe.RequestStream.WriteAsync(Forwarding.Probe("log-a", 0, 1));
        Assert.True(await probe.ResponseStream.MoveNext(CancellationToken.None));
        var resumeAfter = probe.ResponseStream.Current.ConfirmedPosition;
        await probe.RequestStream.CompleteAsync();

        // Nothing acknowledged is lost; the forwarder resends everything above the confirmed position.
        Assert.True(resumeAfter >= Interlocked.Read(ref acknowledged), $"confirmed {resumeAfter} after restart, {acknowledged} acknowledged before");
        Assert.True(resumeAfter < events[^1].Position);
        await Forwarding.SendAllAsync(intake, Forwarding.Batches("log-a", 0, 1, events.Where(e => e.Position > resumeAfter), 100));
        var recovered = await new StatisticsClient(secondChannel.WithApiKey(Key)).WaitForVerdictAsync("exp-1", Complete);

        Assert.Equal(traffic.Exposed, recovered.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        VerdictAssert.Same(clean, recovered, 1e-12);
    }
}
