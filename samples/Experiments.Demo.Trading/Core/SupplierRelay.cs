using System.Runtime.CompilerServices;
using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Scenarios;
using Grpc.Core;

namespace Experiments.Demo.Trading.Core;

/// <summary>Opens a supplier stream and relays its prices, holding each for a draw of <c>hold</c> first.</summary>
internal static class SupplierRelay
{
    public static async IAsyncEnumerable<Price> RelayAsync(Supplier.SupplierClient supplier, IReadOnlyList<string> symbols, int maxPrices, LatencyProfile hold,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new StreamPricesRequest { MaxPrices = maxPrices };
        request.Symbols.AddRange(symbols);
        using var call = supplier.StreamPrices(request, cancellationToken: cancellationToken);
        await foreach (var price in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            var wait = hold.Sample(Random.Shared);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
            yield return price;
        }
    }
}
