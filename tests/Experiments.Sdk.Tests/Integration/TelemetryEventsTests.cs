using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing.Ingestion;

namespace Experiments.Sdk.Tests.Integration;

public sealed class TelemetryEventsTests
{
    [Fact]
    public async Task Exposures_and_requests_reach_ingestion_with_the_unit_ids_and_the_variants_served()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var assignment = new FakeAssignment();
        var ingestion = new IngestionDouble();
        await using var assignmentServer = await FakeAssignment.StartAsync(assignment);
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = FakeAssignment.Address;
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.IngestionApiKey = "ingest-key";
            options.ClientId = UnitIdSource.FromHeader("x-client-id");
            options.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, SdkApp.Servers(assignmentServer, ingestionServer));
        assignment.Snapshot(1, SampleDefinitions.Running(rollout: 100, controlWeight: 50));
        await app.Status.WaitForDefinitionsAsync(1, timeout.Token);

        var started = DateTime.UtcNow;
        var served = new Dictionary<string, string>();
        for (var i = 0; i < 200; i++)
        {
            var user = "user-" + i;
            served[user] = await app.QuoteAsync(user, clientId: "web");
            // A second request of the same unit is no new exposure.
            Assert.Equal(served[user], await app.QuoteAsync(user, clientId: "web"));
        }
        Assert.Contains("control", served.Values);
        Assert.Contains("fast-engine", served.Values);

        await ingestion.WaitForAsync(events => events.Count(e => e.Request is not null) == 400 && events.Count(e => e.Exposure is not null) == 200, timeout.Token);
        var received = DateTime.UtcNow;
        var exposures = ingestion.Events.Where(e => e.Exposure is not null).ToArray();
        Assert.Equal(200, exposures.Select(e => e.UserId).Distinct().Count());
        foreach (var exposure in exposures)
        {
            Assert.Equal(served[exposure.UserId], exposure.Exposure.VariantKey);
            Assert.Equal(SampleDefinitions.Flag, exposure.Exposure.FlagKey);
            Assert.Equal("engine-v2", exposure.Exposure.ExperimentId);
            Assert.Equal(2, exposure.Exposure.ExperimentRevision);
        }
        foreach (var request in ingestion.Events.Where(e => e.Request is not null))
        {
            Assert.True(served.ContainsKey(request.UserId));
            Assert.Equal("GET /quotes/{symbol}", request.Request.ApiName);
            Assert.Equal(200, request.Request.StatusCode);
            Assert.False(request.Request.Error);
            Assert.Equal("web", request.Request.ClientId);
            Assert.True(request.Request.LatencyMs > 0);
            Assert.False(string.IsNullOrEmpty(request.EventId));
            // Dated by the wall clock, between the test's own readings of it (a millisecond's slack for rounding).
            Assert.InRange(request.EventTime.ToDateTime(), started.AddMilliseconds(-1), received.AddMilliseconds(1));
        }
        Assert.All(ingestion.Authorizations, header => Assert.Equal("Bearer ingest-key", header));
    }

    [Fact]
    public async Task Event_times_come_from_the_apps_registered_clock()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var assignment = new FakeAssignment();
        var ingestion = new IngestionDouble();
        await using var assignmentServer = await FakeAssignment.StartAsync(assignment);
        await using var ingestionServer = await ingestion.StartAsync();
        var shift = TimeSpan.FromDays(-3);
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = FakeAssignment.Address;
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, SdkApp.Servers(assignmentServer, ingestionServer), clock: new ShiftedClock(shift));
        assignment.Snapshot(1, SampleDefinitions.Running(rollout: 100, controlWeight: 50));
        await app.Status.WaitForDefinitionsAsync(1, timeout.Token);

        var started = DateTime.UtcNow;
        for (var i = 0; i < 20; i++)
        {
            await app.QuoteAsync("user-" + i);
        }
        await ingestion.WaitForAsync(events => events.Count(e => e.Request is not null) == 20 && events.Count(e => e.Exposure is not null) == 20, timeout.Token);
        var received = DateTime.UtcNow;
        // Between the test's own readings of the real clock, moved by the registered clock's shift.
        Assert.All(ingestion.Events, e => Assert.InRange(e.EventTime.ToDateTime(), started.Add(shift).AddMilliseconds(-1), received.Add(shift).AddMilliseconds(1)));
    }

    /// <summary>The system clock moved by a fixed amount (a replay, a simulation).</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
