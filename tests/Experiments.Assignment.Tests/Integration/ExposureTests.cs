using System.Diagnostics.Metrics;
using Experiments.Assignment.Exposures;
using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Experiments.Testing.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Assignment.Tests.Integration;

public sealed class ExposureTests
{
    [Fact]
    public async Task Enrolled_units_are_reported_to_ingestion_in_batches_and_others_are_not()
    {
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync(loopback: true);
        await using var host = await AssignmentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Exposures:IngestionAddress"] = ingestionServer.Address!,
            ["Exposures:ApiKey"] = AssignmentHost.IngestKey,
            ["Exposures:FlushInterval"] = "00:00:00.100",
        });
        var created = await host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("exposed", rollout: 50) });
        var running = await host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        var request = new AssignBatchRequest { FlagKeys = { "exposed" } };
        for (var i = 0; i < 400; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = "user-" + i, SessionId = "s-" + i });
        }
        var response = await host.Assignment.AssignBatchAsync(request);
        var enrolled = response.Results.Select((r, i) => (Assignment: r.Assignments[0], User: "user-" + i)).Where(x => x.Assignment.InExperiment).ToDictionary(x => x.User, x => x.Assignment.VariantKey);
        Assert.InRange(enrolled.Count, 120, 280);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ingestion.EventsSent.Count() < enrolled.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var events = ingestion.EventsSent.ToList();
        Assert.Equal(enrolled.Count, events.Count);
        foreach (var exposure in events)
        {
            Assert.Equal(enrolled[exposure.UserId], exposure.Exposure.VariantKey);
            Assert.Equal("exposed", exposure.Exposure.FlagKey);
            Assert.Equal(running.Id, exposure.Exposure.ExperimentId);
            Assert.Equal(running.Revision, exposure.Exposure.ExperimentRevision);
            Assert.Equal("s-" + exposure.UserId["user-".Length..], exposure.SessionId);
            Assert.NotEmpty(exposure.EventId);
            Assert.NotNull(exposure.EventTime);
        }
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.All(ingestion.Batches, b => Assert.Equal("Bearer " + AssignmentHost.IngestKey, b.Authorization));
        Assert.True(ingestion.Batches.Count < events.Count, "exposures were not batched");
    }

    [Fact]
    public async Task A_full_buffer_drops_and_counts_exposures_without_failing_or_blocking_Assign()
    {
        // Ingestion is unreachable (nothing listens on the discard port) and the buffer holds 5 events.
        await using var host = await AssignmentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Exposures:IngestionAddress"] = "http://127.0.0.1:9",
            ["Exposures:BufferCapacity"] = "5",
        });
        // Other tests' hosts publish the same meter name: listen to this host's meter only.
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        long droppedByMetric = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Meter.Name == ExposureMetrics.MeterName && instrument.Name == "experiments.assignment.exposures.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref droppedByMetric, value));
        listener.Start();
        var created = await host.Admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("dropped") });
        await host.Admin.StartExperimentAsync(new StartExperimentRequest { Id = created.Id, ExpectedRevision = 1 });
        var request = new AssignBatchRequest { FlagKeys = { "dropped" } };
        for (var i = 0; i < 200; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = "user-" + i });
        }
        var response = await host.Assignment.AssignBatchAsync(request);
        Assert.All(response.Results, r => Assert.True(r.Assignments[0].InExperiment));

        var metrics = host.Services.GetRequiredService<ExposureMetrics>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (metrics.DroppedTotal < 200 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        // Every exposure is accounted for: dropped at the full buffer, or dropped after the failed send.
        Assert.Equal(200, metrics.DroppedTotal);
        Assert.Equal(0, metrics.SentTotal);
        Assert.Equal(200, Interlocked.Read(ref droppedByMetric));
    }
}
