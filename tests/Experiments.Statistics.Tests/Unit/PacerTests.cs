using System.Threading.Channels;
using Experiments.Statistics.Verdicts;

namespace Experiments.Statistics.Tests.Unit;

/// <summary>The min_interval of the watch streams, on explicit clock readings.</summary>
public sealed class PacerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static Pacer<(string Key, int N)> Pacer() => new(Interval, item => item.Key);

    [Fact]
    public void The_first_item_of_a_key_goes_out_at_once_and_later_ones_inside_the_interval_are_held()
    {
        var pacer = Pacer();

        Assert.True(pacer.Offer(("a", 1), T0));
        Assert.False(pacer.Offer(("a", 2), T0.AddSeconds(1)));
        Assert.Empty(pacer.TakeDue(T0.AddSeconds(2)));
        Assert.Empty(pacer.TakeDue(T0.AddSeconds(9.999)));
        Assert.Equal(T0 + Interval, pacer.NextDue);
    }

    [Fact]
    public void Only_the_latest_held_item_goes_out_when_the_interval_has_passed()
    {
        var pacer = Pacer();
        pacer.Offer(("a", 1), T0);
        pacer.Offer(("a", 2), T0.AddSeconds(1));
        pacer.Offer(("a", 3), T0.AddSeconds(2));

        Assert.Equal([("a", 3)], pacer.TakeDue(T0 + Interval));
        Assert.Null(pacer.NextDue);
        Assert.Empty(pacer.TakeDue(T0.AddSeconds(60)));
    }

    [Fact]
    public void Sending_a_held_item_opens_a_new_interval()
    {
        var pacer = Pacer();
        pacer.Offer(("a", 1), T0);
        pacer.Offer(("a", 2), T0.AddSeconds(1));
        var sentAt = T0.AddSeconds(12); // late, as a busy stream may be

        Assert.Equal([("a", 2)], pacer.TakeDue(sentAt));
        Assert.False(pacer.Offer(("a", 3), sentAt.AddSeconds(9)));
        Assert.Equal(sentAt + Interval, pacer.NextDue);
        Assert.True(pacer.Offer(("a", 4), sentAt + Interval)); // a newer one replaces the held one and goes out
        Assert.Null(pacer.NextDue);
    }

    [Fact]
    public void Keys_are_paced_independently()
    {
        var pacer = Pacer();
        Assert.True(pacer.Offer(("a", 1), T0));
        Assert.True(pacer.Offer(("b", 1), T0.AddSeconds(3)));
        Assert.False(pacer.Offer(("a", 2), T0.AddSeconds(4)));
        Assert.False(pacer.Offer(("b", 2), T0.AddSeconds(5)));

        Assert.Equal(T0 + Interval, pacer.NextDue);
        Assert.Equal([("a", 2)], pacer.TakeDue(T0 + Interval));
        Assert.Equal(T0.AddSeconds(3) + Interval, pacer.NextDue);
        Assert.Equal([("b", 2)], pacer.TakeDue(T0.AddSeconds(13)));
    }

    [Fact]
    public void A_zero_interval_lets_everything_through()
    {
        var pacer = new Pacer<(string Key, int N)>(TimeSpan.Zero, item => item.Key);

        Assert.All(Enumerable.Range(0, 5), n => Assert.True(pacer.Offer(("a", n), T0)));
        Assert.Null(pacer.NextDue);
    }

    [Fact]
    public async Task Reading_a_stream_delivers_the_held_item_once_its_interval_has_passed_although_nothing_newer_follows()
    {
        var source = Channel.CreateUnbounded<(string Key, int N)>();
        var pacer = new Pacer<(string Key, int N)>(TimeSpan.FromMilliseconds(200), item => item.Key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var n in new[] { 1, 2, 3 })
        {
            source.Writer.TryWrite(("a", n));
        }

        var received = new List<(string Key, int N)>();
        await foreach (var item in pacer.ReadAsync(source.Reader, TimeProvider.System, timeout.Token))
        {
            received.Add(item);
            if (received.Count == 2)
            {
                break;
            }
        }

        Assert.Equal([("a", 1), ("a", 3)], received);
    }

    [Fact]
    public async Task Reading_a_completed_stream_still_delivers_what_is_held()
    {
        var source = Channel.CreateUnbounded<(string Key, int N)>();
        var pacer = new Pacer<(string Key, int N)>(TimeSpan.FromMilliseconds(100), item => item.Key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var item in new[] { ("a", 1), ("b", 1), ("a", 2), ("b", 2), ("b", 3) })
        {
            source.Writer.TryWrite(item);
        }
        source.Writer.Complete();

        var received = new List<(string Key, int N)>();
        await foreach (var item in pacer.ReadAsync(source.Reader, TimeProvider.System, timeout.Token))
        {
            received.Add(item);
        }

        Assert.Equal([("a", 1), ("b", 1), ("a", 2), ("b", 3)], received);
    }

    [Fact]
    public async Task Reading_a_stream_that_fails_ends_with_its_error()
    {
        var source = Channel.CreateUnbounded<(string Key, int N)>();
        var pacer = Pacer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        source.Writer.TryWrite(("a", 1));
        source.Writer.TryWrite(("a", 2));
        source.Writer.Complete(new InvalidOperationException("shard gone"));

        var received = new List<(string Key, int N)>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var item in pacer.ReadAsync(source.Reader, TimeProvider.System, timeout.Token))
            {
                received.Add(item);
            }
        });

        Assert.Equal("shard gone", error.Message);
        Assert.Equal([("a", 1)], received);
    }
}
