using Experiments.Ingestion.Captures;
using Experiments.Ingestion.Tests.Support;
using Google.Protobuf;

namespace Experiments.Ingestion.Tests.Captures;

public sealed class CaptureStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => Path.Combine(_dir.Path, "captures.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stored_exchanges_read_back_byte_for_byte_after_the_store_is_reopened()
    {
        var written = Enumerable.Range(0, 5).Select(i => TestCaptures.Exchange($"c{i}", TestCaptures.Epoch.AddSeconds(10 - i))).ToList();
        using (var store = TestCaptures.OpenStore(DbPath, time: new ManualTimeProvider(TestCaptures.Epoch.AddMinutes(1))))
        {
            Assert.Equal((5, 0), await store.AddAsync(written, CancellationToken.None));
        }

        using var reopened = TestCaptures.OpenStore(DbPath, time: new ManualTimeProvider(TestCaptures.Epoch.AddMinutes(1)));
        var (page, more) = await reopened.ListAsync(CaptureQuery.All, null, 100, CancellationToken.None);

        Assert.False(more);
        // Oldest first: the ids were given descending start times.
        Assert.Equal(["c4", "c3", "c2", "c1", "c0"], page.Select(r => r.CaptureId));
        Assert.All(page, row => Assert.Equal(written.Single(w => w.CaptureId == row.CaptureId).ToByteArray(), row.Exchange.ToByteArray()));
        Assert.Equal(written.Sum(w => (long)w.CalculateSize()), reopened.StoredBytes);
    }

    [Fact]
    public async Task A_repeated_capture_id_is_a_duplicate_within_a_request_and_across_requests()
    {
        using var store = TestCaptures.OpenStore(DbPath, time: new ManualTimeProvider(TestCaptures.Epoch));
        var a = TestCaptures.Exchange("a", TestCaptures.Epoch);
        var b = TestCaptures.Exchange("b", TestCaptures.Epoch);

        Assert.Equal((2, 1), await store.AddAsync([a, b, a], CancellationToken.None));
        Assert.Equal((0, 2), await store.AddAsync([b, a], CancellationToken.None));

        var (page, _) = await store.ListAsync(CaptureQuery.All, null, 100, CancellationToken.None);
        Assert.Equal(["a", "b"], page.Select(r => r.CaptureId));
        Assert.Equal(a.CalculateSize() + b.CalculateSize(), store.StoredBytes);
    }

    [Fact]
    public async Task Captures_older_than_the_retention_age_are_dropped_on_write_and_by_the_periodic_pass()
    {
        var clock = new ManualTimeProvider(TestCaptures.Epoch);
        using var store = TestCaptures.OpenStore(DbPath, new CaptureOptions { MaxAge = TimeSpan.FromHours(1) }, clock);
        await store.AddAsync([TestCaptures.Exchange("old", TestCaptures.Epoch.AddMinutes(-90)), TestCaptures.Exchange("t0", TestCaptures.Epoch.AddMinutes(-30))], CancellationToken.None);

        // Written already past the age: gone with the same write.
        Assert.Equal(["t0"], await IdsAsync(store));

        clock.Advance(TimeSpan.FromMinutes(31));
        await store.EnforceRetentionAsync(CancellationToken.None);

        Assert.Empty(await IdsAsync(store));
        Assert.Equal(0, store.StoredBytes);
    }

    [Fact]
    public async Task Past_the_byte_limit_the_oldest_captures_are_dropped_until_the_rest_fit()
    {
        var sizes = Enumerable.Range(0, 6).Select(i => TestCaptures.Exchange($"c{i}", TestCaptures.Epoch.AddSeconds(i), bodyBytes: 100 * (i + 1))).ToList();
        // Room for the three newest exchanges and not one byte more.
        var limit = sizes.Skip(3).Sum(e => (long)e.CalculateSize());
        using var store = TestCaptures.OpenStore(DbPath, new CaptureOptions { MaxBytes = limit }, new ManualTimeProvider(TestCaptures.Epoch));

        await store.AddAsync(sizes.Take(4).ToList(), CancellationToken.None);
        await store.AddAsync(sizes.Skip(4).ToList(), CancellationToken.None);

        Assert.Equal(["c3", "c4", "c5"], await IdsAsync(store));
        Assert.Equal(limit, store.StoredBytes);

        using var reopened = TestCaptures.OpenStore(DbPath, new CaptureOptions { MaxBytes = limit }, new ManualTimeProvider(TestCaptures.Epoch));
        Assert.Equal(limit, reopened.StoredBytes);
    }

    [Fact]
    public async Task Filters_select_by_client_api_unit_and_half_open_time_range()
    {
        using var store = TestCaptures.OpenStore(DbPath, time: new ManualTimeProvider(TestCaptures.Epoch.AddHours(1)));
        await store.AddAsync(
        [
            TestCaptures.Exchange("w1", TestCaptures.Epoch, client: "web"),
            TestCaptures.Exchange("m1", TestCaptures.Epoch.AddSeconds(1), client: "mobile"),
            TestCaptures.Exchange("w2", TestCaptures.Epoch.AddSeconds(2), client: "web", api: "trading.v1.TradingCore/GetPortfolio"),
            TestCaptures.Exchange("b1", TestCaptures.Epoch.AddSeconds(3), client: "bot"),
        ], CancellationToken.None);

        Assert.Equal(["w1", "w2"], await IdsAsync(store, CaptureQuery.All with { ClientIds = ["web"] }));
        Assert.Equal(["w1", "m1", "b1"], await IdsAsync(store, CaptureQuery.All with { ApiNames = ["trading.v1.TradingCore/PlaceOrder"] }));
        Assert.Equal(["m1"], await IdsAsync(store, CaptureQuery.All with { UnitId = "u-mobile" }));
        Assert.Equal(["m1", "w2"], await IdsAsync(store, CaptureQuery.All with { From = TestCaptures.Epoch.AddSeconds(1), To = TestCaptures.Epoch.AddSeconds(3) }));
        Assert.Equal(["w2", "b1"], await store.ReadNewestAsync(CaptureQuery.All, 2, e => e.CaptureId, CancellationToken.None));
    }

    private static async Task<List<string>> IdsAsync(CaptureStore store, CaptureQuery? query = null)
    {
        var (page, _) = await store.ListAsync(query ?? CaptureQuery.All, null, 1000, CancellationToken.None);
        return page.Select(r => r.CaptureId).ToList();
    }
}
