using Experiments.Contracts.V1;
using Experiments.Demo.Trading.Core;

namespace Experiments.Launcher;

/// <summary>
/// How the trading core's API is meant to be used, as its team declares it (Captures.SetIntendedUsage): the traffic
/// report lists where each client departs from it. Rate limits are per client per minute over all its users, so only the
/// legacy route, which no app should call any more, carries one.
/// </summary>
internal static class DemoUsage
{
    /// <summary>Calls a minute the legacy route tolerates from one client while it is phased out.</summary>
    public const double LegacyCallsPerMinute = 60;

    public static IntendedUsage Declaration()
    {
        var usage = new IntendedUsage { ServiceName = TradingApis.ServiceName };
        usage.Endpoints.Add(new EndpointPolicy { ApiName = TradingApis.GetPortfolio });
        usage.Endpoints.Add(new EndpointPolicy { ApiName = TradingApis.StreamQuotes });
        // An order is placed knowing the positions it changes: the portfolio first, once per session or earlier.
        usage.Endpoints.Add(new EndpointPolicy { ApiName = TradingApis.PlaceOrder, MustFollow = { TradingApis.GetPortfolio } });
        usage.Endpoints.Add(new EndpointPolicy
        {
            ApiName = TradingApis.LegacyPortfolio,
            Deprecated = true,
            ReplacedBy = TradingApis.GetPortfolio,
            MaxCallsPerMinute = LegacyCallsPerMinute,
        });
        return usage;
    }
}
