using Experiments.Demo.Trading.Scenarios;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Demo.Trading.Broker;

/// <summary>
/// The external broker: an HTTP app of its own (minimal API, own port). <c>POST /orders</c> takes the round trip and
/// the error rate of the gateway the sending router uses (the scenario's <see cref="ArmProfile.Broker"/>), then fills
/// at the order's limit price or answers 503.
/// </summary>
public static class BrokerApp
{
    public static WebApplication Build(string urls, ScenarioProfiles profiles, bool quiet)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (quiet)
        {
            DemoLogging.Quiet(builder.Logging);
        }
        var app = builder.Build();
        app.MapPost("/orders", async (BrokerOrder order, CancellationToken ct) =>
        {
            if (order.Quantity <= 0 || order.LimitPrice <= 0)
            {
                return Results.BadRequest();
            }
            var profile = profiles.For(order.Router).Broker;
            await Task.Delay(profile.Sample(Random.Shared), ct);
            if (profile.Fails(Random.Shared))
            {
                return Results.Problem("upstream venue timeout", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            return Results.Ok(new BrokerFill(Guid.NewGuid().ToString("N"), order.Symbol, order.Side, order.Quantity, order.LimitPrice, order.Router));
        });
        return app;
    }
}
