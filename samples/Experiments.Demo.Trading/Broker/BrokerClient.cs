using System.Net.Http.Json;

namespace Experiments.Demo.Trading.Broker;

/// <summary>The core's typed HttpClient for the broker's <c>POST /orders</c>.</summary>
public sealed class BrokerClient(HttpClient http)
{
    /// <exception cref="BrokerRejectedException">The broker answered with an error status.</exception>
    public async Task<BrokerFill> PlaceAsync(BrokerOrder order, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/orders", order, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new BrokerRejectedException("broker answered " + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + response.ReasonPhrase);
        }
        return await response.Content.ReadFromJsonAsync<BrokerFill>(cancellationToken)
            ?? throw new BrokerRejectedException("broker answered without a fill");
    }
}
