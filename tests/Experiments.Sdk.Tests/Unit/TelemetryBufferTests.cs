using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Tests.Unit;

public sealed class TelemetryBufferTests
{
    [Fact]
    public void A_full_buffer_drops_and_counts_and_keeps_the_oldest_events_in_order()
    {
        var buffer = Buffer(capacity: 4);
        for (var i = 0; i < 10; i++)
        {
            buffer.TryEnqueue(new TelemetryEvent { Kind = TelemetryKind.Request, StatusCode = i });
        }
        Assert.Equal(6, buffer.DroppedFull);
        Assert.Equal(4, buffer.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(buffer.TryDequeue(out var item));
            Assert.Equal(i, item.StatusCode);
        }
        Assert.False(buffer.TryDequeue(out _));
        // Space freed by the consumer is usable again.
        Assert.True(buffer.TryEnqueue(new TelemetryEvent { StatusCode = 42 }));
        Assert.True(buffer.TryDequeue(out var again));
        Assert.Equal(42, again.StatusCode);
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_that_was_not_counted_as_dropped()
    {
        const int Producers = 4;
        const int PerProducer = 50_000;
        var buffer = Buffer(capacity: 1000);
        var seen = new bool[Producers * PerProducer];
        var consumed = 0L;
        using var done = new CancellationTokenSource();
        var consumer = Task.Run(() =>
        {
            while (!done.IsCancellationRequested || buffer.Count > 0)
            {
                while (buffer.TryDequeue(out var item))
                {
                    Assert.False(seen[item.StatusCode]);
                    seen[item.StatusCode] = true;
                    consumed++;
                }
            }
        });
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                buffer.TryEnqueue(new TelemetryEvent { StatusCode = p * PerProducer + i });
            }
        })).ToArray();
        await Task.WhenAll(producers);
        await done.CancelAsync();
        await consumer;
        Assert.Equal(Producers * PerProducer, consumed + buffer.DroppedFull);
    }

    private static TelemetryBuffer Buffer(int capacity) =>
        new(Options.Create(new ExperimentsOptions { BufferCapacity = capacity, MaxBatchSize = 2 }));
}
