using System.Collections.Concurrent;
using Experiments.Sdk.Telemetry;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Ingestion;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>The sender's waits are observed through its delay hook, not the clock.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task Resource_exhausted_with_pushback_is_retried_after_the_pushback_and_nothing_is_lost_or_doubled()
    {
        var (ingestion, delays, events) = await RunAsync(StatusCode.ResourceExhausted, new Metadata { { "grpc-retry-pushback-ms", "1234" } });
        Assert.Equal([TimeSpan.FromMilliseconds(1234)], delays);
        Assert.Equal(10, events);
        Assert.Equal(10, ingestion.Events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Unavailable_is_retried_after_backoff()
    {
        var (_, delays, events) = await RunAsync(StatusCode.Unavailable, new Metadata());
        var delay = Assert.Single(delays);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        Assert.Equal(10, events);
    }

    [Fact]
    public async Task A_pushback_that_forbids_retrying_drops_the_batch_and_counts_it()
    {
        var ingestion = new IngestionDouble();
        ingestion.FailNextCall(StatusCode.ResourceExhausted, new Metadata { { "grpc-retry-pushback-ms", "-1" } });
        await using var server = await ingestion.StartAsync();
        await using var app = await StartAppAsync(server, new ConcurrentQueue<TimeSpan>(), maxRetryDelay: TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 10; i++)
        {
            await app.QuoteAsync("user-" + i);
        }
        // The ten events may leave in one batch or several (batching follows timing): the refused batch is dropped and
        // counted, later ones are delivered, and nothing is retried or lost.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (app.Status.EventsDropped + ingestion.Events.Count < 10)
        {
            await Task.Delay(10, timeout.Token);
        }
        Assert.InRange(app.Status.EventsDropped, 1, 10);
        Assert.Equal(10, app.Status.EventsDropped + ingestion.Events.Count);
        Assert.Equal(0, app.Status.BatchRetries);
    }

    private static async Task<(IngestionDouble Ingestion, TimeSpan[] Delays, int Events)> RunAsync(StatusCode code, Metadata trailers)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ingestion = new IngestionDouble();
        ingestion.FailNextCall(code, trailers);
        await using var server = await ingestion.StartAsync();
        var delays = new ConcurrentQueue<TimeSpan>();
        await using var app = await StartAppAsync(server, delays, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 10; i++)
        {
            await app.QuoteAsync("user-" + i);
        }
        await ingestion.WaitForAsync(events => events.Count == 10, timeout.Token);
        Assert.Equal(1, app.Status.BatchRetries);
        return (ingestion, delays.ToArray(), ingestion.Events.Count);
    }

    private static Task<SdkApp> StartAppAsync(GrpcTestServer server, ConcurrentQueue<TimeSpan> delays, TimeSpan maxRetryDelay) =>
        SdkApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            // One batch for the ten requests, sent once they are all in.
            options.MaxBatchSize = 10;
            options.FlushInterval = TimeSpan.FromMinutes(10);
            options.RetryDelay = TimeSpan.FromMilliseconds(100);
            options.MaxRetryDelay = maxRetryDelay;
        }, SdkApp.Servers(ingestion: server), beforeStart: services =>
            services.GetRequiredService<TelemetrySenderHost>().Sender.Delay = (delay, _) =>
            {
                delays.Enqueue(delay);
                return Task.CompletedTask;
            });
}
