using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Ratios;

namespace Experiments.Statistics.Engine.Tests.Unit.Aggregation;

public sealed class ExperimentAggregatorTests
{
    private static ShardAggregator Run(IEnumerable<TelemetryEvent> events, ExperimentDefinition? definition = null)
    {
        var shard = new ShardAggregator();
        shard.Define(definition ?? Definitions.SixKpis());
        foreach (var e in events)
        {
            shard.Apply(e);
        }
        return shard;
    }

    [Fact]
    public void Repeated_event_ids_are_applied_once()
    {
        var events = new TrafficGenerator(1).Units(300);
        var once = Run(events).Find("exp")!.Snapshot().ToBytes();
        var twice = Run(events.Concat(events).Concat(events.Take(100))).Find("exp")!.Snapshot().ToBytes();
        Assert.Equal(once, twice);
    }

    [Fact]
    public void Events_count_only_from_the_first_exposure_and_in_its_arm()
    {
        var shard = new ShardAggregator();
        shard.Define(Definitions.SixKpis());
        var t0 = TrafficGenerator.Start;
        TelemetryEvent Request(string id, long time, double latency) => new()
        {
            EventId = id, TimeUnixMs = time, Kind = TelemetryKind.Request, UserId = "alice", ApiName = "orders/Place", LatencyMs = latency,
        };
        Assert.False(shard.Apply(Request("before-any-exposure", t0, 10)));
        Assert.True(shard.Apply(new TelemetryEvent { EventId = "x1", TimeUnixMs = t0 + 5000, Kind = TelemetryKind.Exposure, UserId = "alice", ExperimentId = "exp", VariantKey = "treatment" }));
        Assert.False(shard.Apply(Request("dated-before-exposure", t0 + 1000, 20)));
        Assert.True(shard.Apply(Request("after", t0 + 6000, 30)));
        // A later exposure to the other arm is a conflict, not a move.
        Assert.True(shard.Apply(new TelemetryEvent { EventId = "x2", TimeUnixMs = t0 + 7000, Kind = TelemetryKind.Exposure, UserId = "alice", ExperimentId = "exp", VariantKey = "control" }));
        Assert.True(shard.Apply(Request("after-conflict", t0 + 8000, 40)));

        var snapshot = shard.Find("exp")!.Snapshot();
        Assert.Equal([0L, 1L], snapshot.Exposed);
        Assert.Equal(1, snapshot.ConflictingUnits);
        Assert.Equal(1, snapshot.PreExposureEvents);
        var treatment = snapshot.Requests[snapshot.Layout.GroupOf[0]][1];
        Assert.Equal(2, treatment.Requests);
        Assert.Equal(70, treatment.Latency.SumNumerator);
        Assert.Equal(0, snapshot.Requests[snapshot.Layout.GroupOf[0]][0].Requests);
    }

    [Fact]
    public void Dependency_calls_and_stream_measures_count_only_where_a_kpi_names_their_api()
    {
        var definition = new ExperimentDefinition("exp", 1, RandomizationUnitKind.User,
            [new VariantDefinition("control", 50, true), new VariantDefinition("treatment", 50, false)],
            [
                new MetricDefinition("errors-all", MetricKind.ErrorRate, MetricRole.Guardrail) { Tolerance = 0.1 },
                new MetricDefinition("p99-broker", MetricKind.LatencyP99, MetricRole.Guardrail) { ApiName = "broker POST /orders", Tolerance = 0.1 },
            ]);
        var shard = new ShardAggregator();
        shard.Define(definition);
        var t0 = TrafficGenerator.Start;
        shard.Apply(new TelemetryEvent { EventId = "x", TimeUnixMs = t0, Kind = TelemetryKind.Exposure, UserId = "alice", ExperimentId = "exp", VariantKey = "control" });
        TelemetryEvent Request(string id, string api, bool namedOnly, bool error) => new()
        {
            EventId = id, TimeUnixMs = t0 + 1000, Kind = TelemetryKind.Request, UserId = "alice", ApiName = api, LatencyMs = 10, Error = error, NamedApiOnly = namedOnly,
        };
        shard.Apply(Request("served", "trading.v1.TradingCore/PlaceOrder", namedOnly: false, error: false));
        shard.Apply(Request("broker-1", "broker POST /orders", namedOnly: true, error: true));
        shard.Apply(Request("broker-2", "broker POST /orders", namedOnly: true, error: false));
        shard.Apply(Request("staleness", "trading.v1.TradingCore/StreamQuotes#staleness", namedOnly: true, error: false));

        var snapshot = shard.Find("exp")!.Snapshot();
        var all = snapshot.Requests[snapshot.Layout.GroupOf[0]][0];
        var broker = snapshot.Requests[snapshot.Layout.GroupOf[1]][0];
        // The served call alone counts for "all calls"; the broker's two calls (one failed) only under the broker's name.
        Assert.Equal((1L, 2L), (all.Requests, broker.Requests));
        Assert.Equal(0, all.Errors.SumNumerator);
    }

    [Fact]
    public void The_apply_result_tells_a_duplicate_from_an_unknown_unit_and_a_held_event_is_reapplied_without_the_dedup()
    {
        var shard = new ShardAggregator();
        shard.Define(Definitions.SixKpis());
        var t0 = TrafficGenerator.Start;
        TelemetryEvent Request(string id, long time, double latency) => new()
        {
            EventId = id, TimeUnixMs = time, Kind = TelemetryKind.Request, UserId = "alice", ApiName = "orders/Place", LatencyMs = latency,
        };
        var early = Request("early", t0 + 6000, 30);
        var dated = Request("dated-before-exposure", t0 + 1000, 20);

        Assert.Equal(ApplyResult.UnknownUnit, shard.ApplyWithResult(early));
        Assert.Equal(ApplyResult.UnknownUnit, shard.ApplyWithResult(dated));
        Assert.Equal(ApplyResult.Duplicate, shard.ApplyWithResult(early)); // its id was recorded when it first arrived
        Assert.False(shard.Apply(early));
        Assert.Equal(ApplyResult.NotAttributed, shard.ApplyWithResult(new TelemetryEvent
        {
            EventId = "x-unknown-experiment", TimeUnixMs = t0, Kind = TelemetryKind.Exposure, UserId = "alice", ExperimentId = "nope", VariantKey = "treatment",
        }));
        Assert.Equal(ApplyResult.Applied, shard.ApplyWithResult(new TelemetryEvent
        {
            EventId = "x1", TimeUnixMs = t0 + 5000, Kind = TelemetryKind.Exposure, UserId = "alice", ExperimentId = "exp", VariantKey = "treatment",
        }));
        Assert.True(shard.KnowsUnit(early));

        Assert.Equal(ApplyResult.Applied, shard.Reapply(early));
        Assert.Equal(ApplyResult.NotAttributed, shard.Reapply(dated)); // before the exposure: not counted, as in order
        Assert.Equal(ApplyResult.NotAttributed, shard.ApplyWithResult(Request("dated-before-exposure-2", t0 + 2000, 20)));

        var snapshot = shard.Find("exp")!.Snapshot();
        var treatment = snapshot.Requests[snapshot.Layout.GroupOf[0]][1];
        Assert.Equal(1, treatment.Requests);
        Assert.Equal(30, treatment.Latency.SumNumerator);
        Assert.Equal(2, snapshot.PreExposureEvents);
        Assert.Equal(2, shard.Duplicates);
    }

    [Fact]
    public void After_the_stop_time_neither_exposures_nor_events_count_but_late_events_from_before_it_do()
    {
        var t0 = TrafficGenerator.Start;
        var shard = new ShardAggregator();
        shard.Define(Definitions.SixKpis());
        TelemetryEvent Request(string id, string user, long time, double latency) => new()
        {
            EventId = id, TimeUnixMs = time, Kind = TelemetryKind.Request, UserId = user, ApiName = "orders/Place", LatencyMs = latency,
        };
        TelemetryEvent Exposure(string id, string user, long time) => new()
        {
            EventId = id, TimeUnixMs = time, Kind = TelemetryKind.Exposure, UserId = user, ExperimentId = "exp", VariantKey = "treatment",
        };
        Assert.True(shard.Apply(Exposure("x-alice", "alice", t0)));
        Assert.True(shard.Apply(Request("r1", "alice", t0 + 1000, 10)));
        // Stopped at t0 + 10 s: a new revision of the same arms and KPIs, so the state is kept.
        shard.Define(Definitions.SixKpis() with { Revision = 2, StopTime = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 10_000) });
        Assert.True(shard.Apply(Request("r2-late-but-before-stop", "alice", t0 + 9000, 20)));
        Assert.False(shard.Apply(Request("r3-after-stop", "alice", t0 + 11_000, 1000)));
        Assert.False(shard.Apply(Exposure("x-bob-after-stop", "bob", t0 + 12_000)));

        var snapshot = shard.Find("exp")!.Snapshot();
        Assert.Equal([0L, 1L], snapshot.Exposed);
        var treatment = snapshot.Requests[snapshot.Layout.GroupOf[0]][1];
        Assert.Equal(2, treatment.Requests);
        Assert.Equal(30, treatment.Latency.SumNumerator);
    }

    [Fact]
    public void Incremental_ratio_sums_equal_sums_over_unit_totals()
    {
        var events = new TrafficGenerator(2).Units(2000);
        var snapshot = Run(events).Find("exp")!.Snapshot();
        // Reference: per-unit totals from the raw events, then RatioMetricStatistics.Add per unit.
        var arms = new Dictionary<string, int>();
        var totals = new Dictionary<string, (double Latency, double Requests)>();
        foreach (var e in events)
        {
            if (e.Kind == TelemetryKind.Exposure)
            {
                arms[e.UserId!] = e.VariantKey == "control" ? 0 : 1;
                totals[e.UserId!] = (0, 0);
            }
            else if (e.Kind == TelemetryKind.Request && e.ApiName == "orders/Place")
            {
                var t = totals[e.UserId!];
                totals[e.UserId!] = (t.Latency + e.LatencyMs, t.Requests + 1);
            }
        }
        for (var arm = 0; arm < 2; arm++)
        {
            var expected = default(RatioMetricStatistics);
            foreach (var (unit, (latency, requests)) in totals)
            {
                if (arms[unit] == arm)
                {
                    expected = expected.Add(latency, requests);
                }
            }
            var actual = snapshot.Requests[snapshot.Layout.GroupOf[0]][arm].Latency;
            Assert.Equal(expected.Units, actual.Units);
            Assert.Equal(expected.Ratio, actual.Ratio, 12);
            Assert.Equal(1, actual.RatioVariance / expected.RatioVariance, 9);
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.95)]
    [InlineData(0.99)]
    public void Clustered_quantile_from_curves_equals_the_per_unit_histogram_computation(double probability)
    {
        var events = new TrafficGenerator(3).Units(3000);
        var definition = Definitions.SixKpis();
        var snapshot = Run(events, definition).Find("exp")!.Snapshot();
        var group = snapshot.Layout.GroupOf[1];
        for (var arm = 0; arm < 2; arm++)
        {
            var units = new Dictionary<string, LogHistogram>();
            var armOf = new Dictionary<string, int>();
            foreach (var e in events)
            {
                if (e.Kind == TelemetryKind.Exposure)
                {
                    armOf[e.UserId!] = e.VariantKey == "control" ? 0 : 1;
                    if (armOf[e.UserId!] == arm)
                    {
                        units[e.UserId!] = new LogHistogram();
                    }
                }
                else if (e.Kind == TelemetryKind.Request && e.ApiName == "orders/Place" && armOf[e.UserId!] == arm)
                {
                    units[e.UserId!].Add(e.LatencyMs);
                }
            }
            var reference = ClusteredQuantile.Estimate(units.Values, probability);
            var armAggregate = snapshot.Requests[group][arm];
            var curves = armAggregate.Curves!;
            var threshold = QuantileThreshold.Of(armAggregate.Histogram, probability);
            var variance = curves.ProportionVariance(threshold.Position.Slot, threshold.Position.Fraction, armAggregate.Histogram.CountBelow(threshold.Position));
            var sums = new ClusteredIndicatorSums(threshold);
            foreach (var unit in units.Values)
            {
                sums.Add(unit);
            }
            Assert.Equal(1, variance / sums.ProportionVariance(), 9);
            Assert.Equal(reference.Units, curves.Units);
        }
    }

    [Fact]
    public void Checkpointed_state_continues_exactly_like_uninterrupted_state()
    {
        var events = new TrafficGenerator(4).Units(1500);
        var uninterrupted = Run(events).Find("exp")!;

        var first = Run(events.Take(events.Count / 2)).Find("exp")!;
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            first.Write(writer);
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var restored = ExperimentAggregator.Read(Definitions.SixKpis(), reader);
        var shard = new ShardAggregator();
        shard.Restore(restored);
        foreach (var e in events.Skip(events.Count / 2))
        {
            shard.Apply(e);
        }
        Assert.Equal(uninterrupted.Snapshot().ToBytes(), restored.Snapshot().ToBytes());
    }

    [Fact]
    public void A_full_write_then_deltas_continue_exactly_like_uninterrupted_state()
    {
        var events = new TrafficGenerator(6).Units(2000);
        var quarter = events.Count / 4;
        var live = new ShardAggregator();
        live.Define(Definitions.SixKpis());
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var lengths = new List<long>();
        for (var part = 0; part < 3; part++)
        {
            foreach (var e in events.Skip(part * quarter).Take(quarter))
            {
                live.Apply(e);
            }
            var start = stream.Position;
            if (part == 0)
            {
                live.Find("exp")!.Write(writer);
            }
            else
            {
                live.Find("exp")!.WriteDelta(writer);
            }
            writer.Flush();
            lengths.Add(stream.Position - start);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var restored = ExperimentAggregator.Read(Definitions.SixKpis(), reader);
        restored.ReadDelta(reader);
        restored.ReadDelta(reader);
        var shard = new ShardAggregator();
        shard.Restore(restored);
        foreach (var e in events.Skip(3 * quarter))
        {
            live.Apply(e);
            shard.Apply(e);
        }

        Assert.Equal(live.Find("exp")!.Snapshot().ToBytes(), restored.Snapshot().ToBytes());
        // Each delta carries its quarter's units, not all units so far.
        Assert.True(lengths[2] < lengths[0] * 1.5, string.Join(",", lengths));
    }

    [Fact]
    public void Per_unit_state_stays_within_128_bytes_for_six_kpis()
    {
        // Six KPIs over two request groups, clustered p99 and p50 (per-unit histograms), 3 requests per unit on average.
        var shard = Run(new TrafficGenerator(5).Units(100_000));
        var experiment = shard.Find("exp")!;
        var bytesPerUnit = (double)experiment.UnitStateBytes / experiment.Units;
        Assert.InRange(bytesPerUnit, 1, 128);
    }
}
