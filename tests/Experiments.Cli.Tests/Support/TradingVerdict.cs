using Experiments.Contracts.V1;

namespace Experiments.Cli.Tests.Support;

/// <summary>
/// A verdict over a trading core's APIs, named as events.proto names them: the front end's inbound gRPC and HTTP APIs,
/// the calls to the broker and the market-data supplier, a quote stream's first-message and staleness measures, all
/// calls together and day-1 retention — two treatments with long names, so that tables have to fit.
/// </summary>
public static class TradingVerdict
{
    public const string PlaceOrder = "trading.v1.TradingCore/PlaceOrder";
    public const string HttpOrders = "POST /api/orders";
    public const string Broker = "broker POST /orders";
    public const string Prices = "market-data marketdata.v1.Supplier/StreamPrices";
    public const string QuotesFirst = "trading.v1.TradingCore/StreamQuotes#first-message";
    public const string QuotesStaleness = "trading.v1.TradingCore/StreamQuotes#staleness";

    public static Verdict Create(string id)
    {
        var verdict = Samples.Verdict(id, VerdictDecision.KeepRunning);
        verdict.KpiResults.Clear();
        verdict.Reasons.Clear();
        verdict.Reasons.Add("broker-p99 not yet shown within its 10% tolerance in smart-order-routing-v2");
        verdict.KpiResults.Add(Result("place-order-p99", KpiKind.LatencyP99, KpiRole.Primary, PlaceOrder, 41.7, 35.2));
        verdict.KpiResults.Add(Result("http-orders-errors", KpiKind.ErrorRate, KpiRole.Guardrail, HttpOrders, 0.0102, 0.0099, tolerance: 0.25));
        var broker = Result("broker-p99", KpiKind.LatencyP99, KpiRole.Guardrail, Broker, 89.62, 97.4, tolerance: 0.1);
        broker.TailContributors.Add(new TailContributor
        {
            VariantKey = "control", ClientId = "web-trader/4.2", TailRequestCount = 12, RequestCount = 1000, TailShare = 1, TailThresholdMs = 89.62,
        });
        verdict.KpiResults.Add(broker);
        verdict.KpiResults.Add(Result("quotes-first-message", KpiKind.LatencyP99, KpiRole.Secondary, QuotesFirst, 12.5, 12.1));
        verdict.KpiResults.Add(Result("prices-p50", KpiKind.LatencyP50, KpiRole.Secondary, Prices, 3.1, 3.0));
        verdict.KpiResults.Add(Result("quotes-staleness", KpiKind.LatencyP50, KpiRole.Secondary, QuotesStaleness, 4.4, 2.9));
        verdict.KpiResults.Add(Result("all-errors", KpiKind.ErrorRate, KpiRole.Guardrail, "", 0.004, 0.0041, tolerance: 0.5));
        verdict.KpiResults.Add(Result("day1-retention", KpiKind.RetentionDayN, KpiRole.Secondary, "", 0.62, 0.64));
        return verdict;
    }

    private static KpiResult Result(string key, KpiKind kind, KpiRole role, string api, double control, double treatment, double tolerance = 0)
    {
        var result = new KpiResult
        {
            KpiKey = key, Kind = kind, Role = role, ApiName = api, Tolerance = tolerance,
            TestName = kind == KpiKind.ErrorRate ? "delta-method ratio z-test" : "clustered quantile difference (delta method)",
            Decision = KpiDecision.NoSignificantDifference,
        };
        result.Arms.Add(new ArmEstimate { VariantKey = "control", Units = 5012, Observations = 80211, Estimate = control, StandardError = control / 50 });
        foreach (var (variant, factor) in new[] { ("smart-order-routing-v2", 1.0), ("experimental-colocated-routing", 1.01) })
        {
            result.Arms.Add(new ArmEstimate { VariantKey = variant, Units = 4988, Observations = 79840, Estimate = treatment * factor, StandardError = treatment / 50 });
            var relative = treatment * factor / control - 1;
            result.Comparisons.Add(new ArmComparison
            {
                VariantKey = variant, ControlVariantKey = "control",
                AbsoluteEffect = treatment * factor - control, RelativeEffect = relative,
                RelativeConfidenceSequence = new ConfidenceInterval { Lower = relative - 0.081, Upper = relative + 0.093 },
                AbsoluteConfidenceSequence = new ConfidenceInterval { Lower = (relative - 0.081) * control, Upper = (relative + 0.093) * control },
                DecisionInterval = new ConfidenceInterval { Lower = relative - 0.091, Upper = relative + 0.104 },
                RelativeCi = new ConfidenceInterval { Lower = relative - 0.05, Upper = relative + 0.05 },
                PValue = 0.2113, AdjustedPValue = 0.6339, DecisionPValue = 0.3117, DecisionLevel = 0.0167,
                GuardrailStatus = role == KpiRole.Guardrail ? GuardrailStatus.NotYetShown : GuardrailStatus.Unspecified,
                Decision = KpiDecision.NoSignificantDifference,
                Reasons = { $"{variant}: the always-valid interval still includes no change" },
            });
        }
        return result;
    }
}
