using Experiments.Contracts.V1;

namespace Experiments.Cli.Rendering;

/// <summary>Who a group of KPIs measures: an API the backend serves, a dependency it calls, all its calls, or its users.</summary>
internal enum ApiSide
{
    Served,
    Dependency,
    AllCalls,
    Users,
    CustomMetrics,
}

/// <summary>
/// The KPIs of one API, with a heading that says what the API is: <c>Kpi.api_name</c> follows RequestEvent.api_name's
/// naming (events.proto) — inbound HTTP <c>"POST /api/orders"</c>, inbound gRPC <c>"trading.v1.TradingCore/PlaceOrder"</c>,
/// outbound <c>"broker POST /orders"</c>, and a stream's measures under the stream's name plus <c>#first-message</c> or
/// <c>#staleness</c>, which are grouped with the stream itself.
/// </summary>
internal sealed record ApiGroup(string Key, ApiSide Side, string Heading, string Description, IReadOnlyList<KpiResult> Results)
{
    public const string FirstMessageSuffix = "#first-message";
    public const string StalenessSuffix = "#staleness";

    private static readonly HashSet<string> HttpMethods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT" };

    /// <summary>The KPIs grouped per API, groups in the order their first KPI has in the verdict (the experiment's order).</summary>
    public static IReadOnlyList<ApiGroup> Of(IEnumerable<KpiResult> results)
    {
        var order = new List<string>();
        var byKey = new Dictionary<string, List<KpiResult>>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            var key = KeyOf(result);
            if (!byKey.TryGetValue(key, out var list))
            {
                byKey[key] = list = [];
                order.Add(key);
            }
            list.Add(result);
        }
        return [.. order.Select(key => Describe(key, byKey[key]))];
    }

    /// <summary>What a KPI's value measures within its API: the whole call, a stream's first message, or its staleness.</summary>
    public static string Measure(KpiResult result) => MeasureOf(result.ApiName) switch
    {
        FirstMessageSuffix => "time to first message",
        StalenessSuffix => "staleness",
        _ => "",
    };

    private static string KeyOf(KpiResult result) => result.ApiName.Length > 0
        ? BaseName(result.ApiName)
        : result.Kind switch
        {
            KpiKind.RetentionDayN or KpiKind.Engagement => "@users",
            KpiKind.CustomMetric => "@custom",
            _ => "@all-calls",
        };

    private static ApiGroup Describe(string key, List<KpiResult> results)
    {
        switch (key)
        {
            case "@users":
                return new ApiGroup(key, ApiSide.Users, "Users", "whether the randomized units come back and stay active (retention, engagement)", results);
            case "@custom":
                return new ApiGroup(key, ApiSide.CustomMetrics, "Custom metrics", "numbers the backend reports itself (custom metric events)", results);
            case "@all-calls":
                return new ApiGroup(key, ApiSide.AllCalls, "All calls", "every call the backend served, all its inbound APIs together (whole calls; dependency calls and stream measures excluded)", results);
        }
        var (side, description) = Classify(key);
        var measures = results.Select(r => MeasureOf(r.ApiName)).Distinct(StringComparer.Ordinal).ToList();
        var notes = new List<string> { description };
        if (measures.Contains(FirstMessageSuffix, StringComparer.Ordinal))
        {
            notes.Add("time to first message (#first-message): from the start of the stream to its first message");
        }
        if (measures.Contains(StalenessSuffix, StringComparer.Ordinal))
        {
            notes.Add("staleness (#staleness): per message, the delay from its source time (e.g. a quote's exchange time) to its delivery");
        }
        if (measures.Contains("", StringComparer.Ordinal) && measures.Count > 1)
        {
            notes.Add("the other KPIs measure whole calls, from their start until their status (for a stream: until it ended)");
        }
        return new ApiGroup(key, side, key, string.Join('\n', notes), results);
    }

    private static (ApiSide Side, string Description) Classify(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return name.Contains('/', StringComparison.Ordinal)
                ? (ApiSide.Served, "gRPC method served by the backend (inbound calls)")
                : (ApiSide.Served, "API served by the backend (inbound calls)");
        }
        var first = name[..space];
        if (HttpMethods.Contains(first))
        {
            return (ApiSide.Served, "HTTP endpoint served by the backend (inbound requests)");
        }
        var call = name[(space + 1)..];
        var protocol = call.Contains(' ', StringComparison.Ordinal) ? "HTTP" : "gRPC";
        return (ApiSide.Dependency, $"{protocol} call the backend makes to its dependency '{first}' while serving a unit (outbound)");
    }

    private static string BaseName(string apiName)
    {
        var measure = MeasureOf(apiName);
        return measure.Length > 0 ? apiName[..^measure.Length] : apiName;
    }

    private static string MeasureOf(string apiName) =>
        apiName.EndsWith(FirstMessageSuffix, StringComparison.Ordinal) ? FirstMessageSuffix
        : apiName.EndsWith(StalenessSuffix, StringComparison.Ordinal) ? StalenessSuffix
        : "";
}
