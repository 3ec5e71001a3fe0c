using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>The experiments the browser tests seed, as the assignment service would stream them, with their audit trails.</summary>
internal static class DemoExperiments
{
    /// <summary>A faster matching engine: PlaceOrder 18% faster, errors unchanged — a SHIP.</summary>
    public static Experiment MatchingEngine(DateTimeOffset start)
    {
        var experiment = Base("matching-engine-v2", "Matching engine v2", "place-order-engine", "fast-engine", start, revision: 3);
        experiment.Description = "Hypothesis: the lock-free order book cuts PlaceOrder latency for every client without raising errors.";
        experiment.RolloutPercent = 50;
        experiment.Kpis.Add(new Kpi { Key = "place-order-mean", DisplayName = "PlaceOrder mean latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = DemoTraffic.PlaceOrder });
        // SHIP needs each guardrail shown within its tolerance. Over the ~3,000 users the page test seeds, a p99 and a rare
        // error rate are only shown within wide margins (50%, "at most double"); 5% and 10% would need far more users.
        experiment.Kpis.Add(new Kpi { Key = "place-order-p99", DisplayName = "PlaceOrder p99 latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = DemoTraffic.PlaceOrder, Tolerance = 0.5 });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", DisplayName = "Error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 1.0 });
        experiment.Kpis.Add(new Kpi { Key = "quote-p50", DisplayName = "GetQuote p50 latency", Kind = KpiKind.LatencyP50, Role = KpiRole.Secondary, ApiName = DemoTraffic.GetQuote });
        return experiment;
    }

    /// <summary>A quote cache, seeded in two steps to watch the page update.</summary>
    public static Experiment QuoteCache(DateTimeOffset start)
    {
        var experiment = Base("quote-cache", "Quote cache warm-up", "quote-cache", "warm-cache", start, revision: 2);
        experiment.RolloutPercent = 20;
        experiment.Kpis.Add(new Kpi { Key = "quote-mean", DisplayName = "GetQuote mean latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = DemoTraffic.GetQuote });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", DisplayName = "Error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 0.1 });
        return experiment;
    }

    /// <summary>A broker adapter that fails three times as often — a ROLL_BACK.</summary>
    public static Experiment BrokerAdapter(DateTimeOffset start)
    {
        var experiment = Base("broker-adapter", "New broker adapter", "broker-adapter", "fix-adapter", start, revision: 2);
        experiment.RolloutPercent = 10;
        experiment.Kpis.Add(new Kpi { Key = "place-order-mean", DisplayName = "PlaceOrder mean latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = DemoTraffic.PlaceOrder });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", DisplayName = "Error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 0.1 });
        return experiment;
    }

    /// <summary>
    /// A new order router, started a day before the others at 50% with auto-rollback on, that fails four times as
    /// often: the statistics service ramps it to 0%.
    /// </summary>
    public static Experiment OrderRouter(DateTimeOffset start)
    {
        var experiment = Base("order-router", "New order router", "order-router", "new-router", start.AddDays(-1), revision: 2);
        experiment.RolloutPercent = 50;
        experiment.AutoRollback = true;
        experiment.Kpis.Add(new Kpi { Key = "place-order-mean", DisplayName = "PlaceOrder mean latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = DemoTraffic.PlaceOrder });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", DisplayName = "Error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 0.1 });
        return experiment;
    }

    public const string TradingPlaceOrder = "trading.v1.TradingCore/PlaceOrder";
    public const string TradingBroker = "broker POST /orders";
    public const string TradingStaleness = "trading.v1.TradingCore/StreamQuotes#staleness";

    /// <summary>An API name that is markup: the page must show it as text.</summary>
    public const string MarkupApi = "<img src=x onerror=\"window.__xss=1\">/Probe";

    /// <summary>The APIs of a trading core, named as events.proto names them, for <see cref="TradingCore"/>.</summary>
    public static readonly DemoApi[] TradingApis =
    [
        new(TradingPlaceOrder, 0.4, 38),
        new(TradingBroker, 0.3, 60, Dependency: "broker"),
        new(TradingStaleness, 0.3, 4, Measure: RequestMeasure.Staleness),
    ];

    /// <summary>
    /// A new order routing in a trading core, judged on the API the core serves, the broker calls it makes, its quote
    /// stream's staleness, all calls and day-1 retention; one KPI names an API that is markup and has no data.
    /// </summary>
    public static Experiment TradingCore(DateTimeOffset start)
    {
        var experiment = Base("trading-core", "Order routing <script>window.__xss=2</script>", "order-routing", "smart-routing", start, revision: 2);
        experiment.RolloutPercent = 50;
        experiment.Kpis.Add(new Kpi { Key = "place-order-p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary, ApiName = TradingPlaceOrder });
        experiment.Kpis.Add(new Kpi { Key = "broker-errors", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = TradingBroker, Tolerance = 1.0 });
        experiment.Kpis.Add(new Kpi { Key = "quote-staleness", Kind = KpiKind.LatencyP50, Role = KpiRole.Secondary, ApiName = TradingStaleness });
        experiment.Kpis.Add(new Kpi { Key = "probe", Kind = KpiKind.LatencyMean, Role = KpiRole.Secondary, ApiName = MarkupApi });
        experiment.Kpis.Add(new Kpi { Key = "all-errors", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 1.0 });
        experiment.Kpis.Add(new Kpi { Key = "day1-retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1 });
        return experiment;
    }

    /// <summary>
    /// An experiment whose definition protobuf's JSON mapping refuses (a create_time past year 9999): the statistics
    /// service analyses it, the dashboard cannot show it, and must show every other experiment all the same.
    /// </summary>
    public static Experiment Unshowable(DateTimeOffset start)
    {
        var experiment = Base("unshowable", "Unshowable", "unshowable-flag", "treatment", start, revision: 2);
        experiment.RolloutPercent = 10;
        experiment.CreateTime = new Timestamp { Seconds = 253_402_300_800 + 86_400 };
        experiment.Kpis.Add(new Kpi { Key = "errors", Kind = KpiKind.ErrorRate, Role = KpiRole.Primary });
        return experiment;
    }

    /// <summary>Created and started at 50%: the trail of <see cref="OrderRouter"/> before any rollback.</summary>
    public static List<AuditEntry> OrderRouterAudit(DateTimeOffset start) =>
    [
        Entry("order-router", 1, start.AddDays(-1).AddHours(-1), "alice", AuditAction.Create, "created", "", []),
        Entry("order-router", 2, start.AddDays(-1), "alice", AuditAction.Start, "started at rollout 50%", "", [("status", "DRAFT", "RUNNING"), ("rollout_percent", "0", "50")]),
    ];

    /// <summary>Created, started at 10%, ramped to 50%: the trail of <see cref="MatchingEngine"/>.</summary>
    public static List<AuditEntry> MatchingEngineAudit(DateTimeOffset start) =>
    [
        Entry("matching-engine-v2", 1, start.AddHours(-3), "alice", AuditAction.Create, "created", "", []),
        Entry("matching-engine-v2", 2, start, "alice", AuditAction.Start, "started at rollout 10%", "", [("status", "DRAFT", "RUNNING"), ("rollout_percent", "0", "10")]),
        Entry("matching-engine-v2", 3, start.AddDays(1), "bob", AuditAction.Ramp, "rollout 10% → 50%", "no guardrail breach after a day", [("rollout_percent", "10", "50")]),
    ];

    private static Experiment Base(string id, string name, string flag, string treatment, DateTimeOffset start, long revision)
    {
        var experiment = new Experiment
        {
            Id = id, DisplayName = name, FlagKey = flag, RandomizationUnit = RandomizationUnit.User, Status = ExperimentStatus.Running, Revision = revision,
            Alpha = 0.05, MinimumDetectableEffect = 0.05, StartTime = Timestamp.FromDateTimeOffset(start),
            Horizon = new Horizon { MaxUnits = 20_000, MaxDuration = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
        };
        experiment.Variants.Add(new Variant { Key = "control", Weight = 50, IsControl = true });
        experiment.Variants.Add(new Variant { Key = treatment, Weight = 50 });
        return experiment;
    }

    private static AuditEntry Entry(string id, long revision, DateTimeOffset at, string actor, AuditAction action, string summary, string reason, (string Field, string Before, string After)[] changes)
    {
        var entry = new AuditEntry { ExperimentId = id, Revision = revision, CreateTime = Timestamp.FromDateTimeOffset(at), Actor = actor, Action = action, Summary = summary, Reason = reason };
        entry.Changes.AddRange(changes.Select(c => new FieldChange { FieldPath = c.Field, Before = c.Before, After = c.After }));
        return entry;
    }
}
