using System.Net;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing.Ingestion;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>The middleware on a real Kestrel app on loopback, telemetry to an in-memory ingestion double.</summary>
public sealed class MiddlewareTests
{
    [Fact]
    public async Task Middleware_records_api_name_status_error_and_latency_of_each_request()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, SdkApp.Servers(ingestion: ingestionServer), kestrel: true);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(app, HttpMethod.Get, "/quotes/ACME", "alice"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(app, HttpMethod.Post, "/orders", "bob"));
        Assert.Equal(HttpStatusCode.InternalServerError, await SendAsync(app, HttpMethod.Get, "/boom", "carol"));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(app, HttpMethod.Get, "/nowhere/42", "dave"));
        // No unit id: nothing to join the request to, so nothing is sent.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(app, HttpMethod.Get, "/quotes/ACME", null));

        await ingestion.WaitForAsync(events => events.Count == 4, timeout.Token);
        var byUser = ingestion.Events.ToDictionary(e => e.UserId, e => e.Request);
        Assert.Equal(("GET /quotes/{symbol}", 200, false), (byUser["alice"].ApiName, byUser["alice"].StatusCode, byUser["alice"].Error));
        Assert.Equal(("POST /orders", 503, true), (byUser["bob"].ApiName, byUser["bob"].StatusCode, byUser["bob"].Error));
        Assert.Equal(("GET /boom", 500, true), (byUser["carol"].ApiName, byUser["carol"].StatusCode, byUser["carol"].Error));
        Assert.Equal(("GET (unmatched)", 404, false), (byUser["dave"].ApiName, byUser["dave"].StatusCode, byUser["dave"].Error));
        Assert.All(byUser.Values, request => Assert.True(request.LatencyMs > 0));
    }

    private static async Task<HttpStatusCode> SendAsync(SdkApp app, HttpMethod method, string path, string? user)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("x-user-id", user);
        }
        using var response = await app.Client.SendAsync(request);
        return response.StatusCode;
    }
}
