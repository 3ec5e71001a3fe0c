using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Testing;

/// <summary>
/// Hosts a service's real app (its public <c>Program</c>) in memory, the way grpc-dotnet documents testing:
/// WebApplicationFactory, and channels over the test server's handler. The app runs in the <c>Testing</c> environment.
/// </summary>
public class GrpcTestHost<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly List<Action<IServiceCollection>> _testServices = [];

    /// <summary>Replaces or adds services after the app has registered its own; call before the first channel.</summary>
    public GrpcTestHost<TEntryPoint> ConfigureTestServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _testServices.Add(configure);
        return this;
    }

    /// <summary>A channel to the in-memory app; starts the app on first use.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => Server.CreateGrpcChannel(options);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _testServices)
            {
                configure(services);
            }
        });
    }
}
