using Experiments.Demo.Trading.Broker;
using Experiments.Demo.Trading.Core;
using Experiments.Demo.Trading.MarketData;
using Experiments.Demo.Trading.Scenarios;
using Microsoft.AspNetCore.Builder;

namespace Experiments.Demo.Trading;

/// <summary>
/// The demo's three apps, each with its own WebApplication and port: the market-data supplier and the broker (the
/// core's dependencies, started first) and the trading core listening at <see cref="TradingCoreOptions.Urls"/>.
/// </summary>
public sealed class DemoStack : IAsyncDisposable
{
    private readonly WebApplication _supplier;
    private readonly WebApplication _broker;
    private readonly WebApplication _core;

    public DemoStack(TradingCoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _supplier = SupplierApp.Build(options.SupplierAddress, options.Quiet);
        _broker = BrokerApp.Build(options.BrokerAddress, ScenarioProfiles.For(options.Scenario), options.Quiet);
        _core = TradingCoreApp.Build(options);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _supplier.StartAsync(cancellationToken);
        await _broker.StartAsync(cancellationToken);
        await _core.StartAsync(cancellationToken);
    }

    /// <summary>Completes when the core shuts down (Ctrl+C).</summary>
    public Task WaitForShutdownAsync() => _core.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        // The core first, so nothing calls its dependencies while they stop; streams still open are cancelled.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _core.StopAsync(grace.Token);
        await _broker.StopAsync(grace.Token);
        await _supplier.StopAsync(grace.Token);
        await _core.DisposeAsync();
        await _broker.DisposeAsync();
        await _supplier.DisposeAsync();
    }
}
