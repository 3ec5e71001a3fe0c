using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;

namespace Experiments.Sdk.Tests.Integration;

public sealed class LiveDefinitionsTests
{
    [Fact]
    public async Task Definitions_updates_on_the_stream_switch_variants_live_and_a_broken_stream_resumes_after_the_last_version()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var assignment = new FakeAssignment();
        await using var server = await FakeAssignment.StartAsync(assignment);
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = FakeAssignment.Address;
            options.ApiKey = "read-key";
            options.ReconnectDelay = TimeSpan.FromMilliseconds(10);
        }, SdkApp.Servers(assignment: server));

        // No definitions yet: the fallback.
        Assert.Equal("control", await app.QuoteAsync("user-1"));

        assignment.Snapshot(5, SampleDefinitions.Running(controlWeight: 100));
        await app.Status.WaitForDefinitionsAsync(5, timeout.Token);
        Assert.All(await QuoteManyAsync(app), variant => Assert.Equal("control", variant));

        assignment.Upsert(6, SampleDefinitions.Running(controlWeight: 0, revision: 3));
        await app.Status.WaitForDefinitionsAsync(6, timeout.Token);
        Assert.All(await QuoteManyAsync(app), variant => Assert.Equal("fast-engine", variant));

        // The stream breaks; the SDK keeps serving what it has, reconnects and resumes after version 6.
        assignment.EndStream();
        assignment.Upsert(7, SampleDefinitions.Running(controlWeight: 100, revision: 4));
        await app.Status.WaitForDefinitionsAsync(7, timeout.Token);
        Assert.All(await QuoteManyAsync(app), variant => Assert.Equal("control", variant));
        Assert.Equal([0L, 6L], assignment.ResumeVersions);
        Assert.All(assignment.Authorizations, header => Assert.Equal("Bearer read-key", header));

        assignment.Send(new WatchDefinitionsResponse { Version = 8, Removal = new ExperimentRemoval { ExperimentId = "engine-v2", FlagKey = SampleDefinitions.Flag } });
        await app.Status.WaitForDefinitionsAsync(8, timeout.Token);
        Assert.Equal("control", await app.QuoteAsync("user-1"));
    }

    private static async Task<string[]> QuoteManyAsync(SdkApp app)
    {
        var variants = new string[50];
        for (var i = 0; i < variants.Length; i++)
        {
            variants[i] = await app.QuoteAsync("user-" + i);
        }
        return variants;
    }
}
