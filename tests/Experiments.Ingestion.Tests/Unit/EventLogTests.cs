using Experiments.Ingestion.Log;
using Experiments.Ingestion.Tests.Support;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class EventLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Appended_events_read_back_in_order_with_consecutive_positions()
    {
        using var log = TestLogs.Open(_dir.Path);

        Assert.Equal(new AppendResult(2, 0), await TestLogs.AppendAsync(log, "a", "b"));
        Assert.Equal(new AppendResult(1, 0), await TestLogs.AppendAsync(log, "c"));

        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c")], TestLogs.ReadAll(log));
        Assert.Equal(3, log.DurablePosition);
        Assert.Equal([(3L, "c")], TestLogs.ReadAll(log, after: 2));
    }

    [Fact]
    public async Task Duplicates_within_an_append_and_across_appends_are_committed_once()
    {
        using var log = TestLogs.Open(_dir.Path);

        Assert.Equal(new AppendResult(2, 1), await TestLogs.AppendAsync(log, "a", "b", "a"));
        Assert.Equal(new AppendResult(1, 2), await TestLogs.AppendAsync(log, "b", "c", "a"));
        Assert.Equal(new AppendResult(0, 1), await TestLogs.AppendAsync(log, "c"));

        Assert.Equal(["a", "b", "c"], TestLogs.ReadAll(log).Select(e => e.EventId));
    }

    [Fact]
    public async Task Concurrent_appends_all_complete_and_each_id_is_committed_once()
    {
        using var log = TestLogs.Open(_dir.Path);

        // 200 appends of 50 events race; every id appears in two appends, so each must win exactly once.
        var appends = Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            TestLogs.AppendAsync(log, [.. Enumerable.Range(0, 50).Select(j => $"id-{((i / 2) * 50) + j}")]))).ToArray();
        var results = await Task.WhenAll(appends);

        Assert.Equal(5_000, results.Sum(r => r.Accepted));
        Assert.Equal(5_000, results.Sum(r => r.Duplicates));
        var read = TestLogs.ReadAll(log);
        Assert.Equal(Enumerable.Range(1, 5_000).Select(p => (long)p), read.Select(e => e.Position));
        Assert.Equal(5_000, read.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Reopened_log_keeps_its_events_positions_identity_and_remembers_ids()
    {
        string logId;
        using (var log = TestLogs.Open(_dir.Path))
        {
            await TestLogs.AppendAsync(log, "a", "b");
            logId = log.LogId;
        }

        using var reopened = TestLogs.Open(_dir.Path);

        Assert.Equal(logId, reopened.LogId);
        Assert.Equal(2, reopened.DurablePosition);
        Assert.Equal(new AppendResult(1, 2), await TestLogs.AppendAsync(reopened, "a", "b", "c"));
        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c")], TestLogs.ReadAll(reopened));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(41)]
    [InlineData(-1)]
    public async Task A_torn_last_record_is_cut_off_at_open_and_its_positions_are_reused(int keepBytesOfLastRecord)
    {
        long firstRecordLength;
        using (var log = TestLogs.Open(_dir.Path))
        {
            await TestLogs.AppendAsync(log, "a", "b");
            firstRecordLength = new FileInfo(TestLogs.Segments(_dir.Path).Single()).Length;
            await TestLogs.AppendAsync(log, "c", "d");
        }
        var segment = TestLogs.Segments(_dir.Path).Single();
        var fullLength = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open))
        {
            if (keepBytesOfLastRecord >= 0)
            {
                // A crash in the middle of writing the second record.
                file.SetLength(firstRecordLength + keepBytesOfLastRecord);
            }
            else
            {
                // The second record complete in length but one byte of it never reached the disk.
                file.Position = fullLength - 3;
                file.WriteByte((byte)(file.ReadByte() ^ 0xFF));
            }
        }

        using var reopened = TestLogs.Open(_dir.Path);

        Assert.Equal(2, reopened.DurablePosition);
        Assert.Equal(firstRecordLength, new FileInfo(segment).Length);
        // c and d were never acknowledged: they are not remembered, and come back as new events.
        Assert.Equal(new AppendResult(2, 1), await TestLogs.AppendAsync(reopened, "c", "d", "a"));
        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c"), (4L, "d")], TestLogs.ReadAll(reopened));
    }

    [Fact]
    public async Task Segments_roll_over_and_are_trimmed_only_behind_the_confirmed_position()
    {
        var options = new LogOptions { SegmentBytes = 2_000, DedupWindow = TimeSpan.Zero, DedupMaxEntries = 10 };
        using var log = TestLogs.Open(_dir.Path, options);
        for (var i = 0; i < 30; i++)
        {
            await TestLogs.AppendAsync(log, $"e{i}a", $"e{i}b", $"e{i}c");
        }
        var segments = TestLogs.Segments(_dir.Path).Count();
        Assert.True(segments > 3, $"{segments} segment(s)");

        log.Confirm(0);
        Assert.Equal(segments, TestLogs.Segments(_dir.Path).Count());

        log.Confirm(45);
        var remaining = TestLogs.Segments(_dir.Path).ToList();
        Assert.True(remaining.Count < segments);
        // Whatever is not confirmed is still there and still readable.
        var read = TestLogs.ReadAll(log, after: 45);
        Assert.Equal(Enumerable.Range(46, 45).Select(p => (long)p), read.Select(e => e.Position));
        Assert.Equal(90, log.DurablePosition);
    }

    [Fact]
    public async Task A_cursor_reads_across_segment_boundaries_and_sees_new_commits()
    {
        using var log = TestLogs.Open(_dir.Path, new LogOptions { SegmentBytes = 1_000 });
        using var cursor = log.OpenCursor(0);
        var entries = new List<LogEntry>();
        for (var i = 0; i < 20; i++)
        {
            await TestLogs.AppendAsync(log, $"x{i}", $"y{i}");
            cursor.Read(entries, 3);
        }
        while (cursor.Read(entries, 3) > 0)
        {
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(p => (long)p), entries.Select(e => e.Position));
    }

    [Fact]
    public async Task The_pending_queue_is_bounded()
    {
        using var log = TestLogs.Open(_dir.Path, new LogOptions { MaxPendingEvents = 3 });
        using var tooMany = TestLogs.Encode(log, [.. Enumerable.Range(0, 4).Select(i => TestEvents.Request($"p{i}"))]);

        var refused = Assert.Throws<LogOverloadedException>(() => { _ = log.AppendAsync(tooMany); });

        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Equal(0, log.PendingEvents);
        Assert.Equal(new AppendResult(3, 0), await TestLogs.AppendAsync(log, "q1", "q2", "q3"));
    }

    [Fact]
    public async Task The_bytes_waiting_for_a_commit_are_bounded()
    {
        using var log = TestLogs.Open(_dir.Path);
        using var probe = TestLogs.Encode(log, TestEvents.Request("size-probe"));
        var oneEvent = probe.ByteCount;
        log.Dispose();

        using var bounded = TestLogs.Open(_dir.Path, new LogOptions { MaxPendingBytes = (3 * oneEvent) + (oneEvent / 2) });
        using var tooMuch = TestLogs.Encode(bounded, [.. Enumerable.Range(0, 4).Select(i => TestEvents.Request($"b{i}"))]);

        var refused = Assert.Throws<LogOverloadedException>(() => { _ = bounded.AppendAsync(tooMuch); });

        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Equal(0, bounded.PendingBytes);
        Assert.Equal(0, bounded.PendingEvents);
        Assert.Equal(new AppendResult(3, 0), await TestLogs.AppendAsync(bounded, "c1", "c2", "c3"));
        Assert.Equal(0, bounded.PendingBytes);
    }

    [Fact]
    public async Task Intake_pushes_back_while_forwarding_lags_beyond_its_bound()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var log = TestLogs.Open(_dir.Path, new LogOptions { MaxForwardingLag = TimeSpan.FromSeconds(60), LagRetryAfter = TimeSpan.FromSeconds(1) }, time);
        await TestLogs.AppendAsync(log, "l1");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(new AppendResult(1, 0), await TestLogs.AppendAsync(log, "l2"));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(61), log.ForwardingLag);
        var refused = await Assert.ThrowsAsync<LogFullException>(() => TestLogs.AppendAsync(log, "l3"));
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);

        // Delivering the oldest commit leaves the second one (59 s younger) as the lag: intake takes events again.
        log.Confirm(1);
        Assert.Equal(TimeSpan.FromSeconds(2), log.ForwardingLag);
        Assert.Equal(new AppendResult(1, 0), await TestLogs.AppendAsync(log, "l3"));
        log.Confirm(log.DurablePosition);
        Assert.Equal(TimeSpan.Zero, log.ForwardingLag);
    }

    [Fact]
    public async Task A_log_full_of_undelivered_events_refuses_appends_until_confirmed()
    {
        using var log = TestLogs.Open(_dir.Path, new LogOptions { MaxBacklogBytes = 500, SegmentBytes = 400, DedupWindow = TimeSpan.Zero, DedupMaxEntries = 1 });
        var appended = 0;
        while (log.BacklogBytes <= 500)
        {
            Assert.Equal(new AppendResult(1, 0), await TestLogs.AppendAsync(log, $"f{appended++}"));
            Assert.True(appended < 100, "the backlog never grew");
        }

        await Assert.ThrowsAsync<LogFullException>(() => TestLogs.AppendAsync(log, "more"));
        Assert.Equal(appended, log.DurablePosition);

        log.Confirm(log.DurablePosition);
        Assert.Equal(new AppendResult(1, 0), await TestLogs.AppendAsync(log, "more"));
    }
}
