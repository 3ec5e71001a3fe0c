using Experiments.Demo.MarketData.V1;
using Experiments.Demo.Trading.Scenarios;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Demo.Trading.MarketData;

/// <summary>
/// <c>marketdata.v1.Supplier</c>: prices the symbols asked round robin, each stamped with the real wall clock when it
/// was priced (not the demo's simulated days: staleness is a real delay), and sends it after the supplier's own
/// pipeline delay (<see cref="ScenarioProfiles.Supplier"/>).
/// </summary>
public sealed class SupplierService(PriceBook book) : Supplier.SupplierBase
{
    public override async Task StreamPrices(StreamPricesRequest request, IServerStreamWriter<Price> responseStream, ServerCallContext context)
    {
        var symbols = request.Symbols.Select(s => s.ToUpperInvariant()).ToArray();
        if (symbols.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "symbols: at least one symbol is required"));
        }
        if (Array.Find(symbols, s => !Symbols.IsKnown(s)) is { } unknown)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "symbols: unknown symbol " + unknown));
        }
        var ct = context.CancellationToken;
        for (var sent = 0; request.MaxPrices <= 0 || sent < request.MaxPrices; sent++)
        {
            var symbol = symbols[sent % symbols.Length];
            var mid = book.Next(symbol);
            var price = new Price
            {
                Symbol = symbol,
                Mid = mid,
                Bid = Math.Round(mid - 0.01, 2),
                Ask = Math.Round(mid + 0.01, 2),
                ExchangeTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            };
            await Task.Delay(ScenarioProfiles.Supplier.Sample(Random.Shared), ct);
            await responseStream.WriteAsync(price, ct);
        }
    }
}
