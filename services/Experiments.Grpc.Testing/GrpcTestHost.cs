using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Grpc.Testing;

/// <summary>
/// Hosts a service's real app (its <c>Program</c>, which must be public, e.g. <c>public partial class
/// Program;</c>) in memory and calls it through our gRPC client, the way grpc-dotnet's tests use
/// WebApplicationFactory. The test project references the app's project; the app runs in the
/// <c>Testing</c> environment.
/// </summary>
/// <typeparam name="TEntryPoint">A type in the app's assembly, usually its <c>Program</c>.</typeparam>
public class GrpcTestHost<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly List<Action<IServiceCollection>> _testServices = [];

    /// <summary>
    /// Replaces or adds services after the app has registered its own (fakes, in-memory stores). Call it
    /// before the first channel or client is created.
    /// </summary>
    public GrpcTestHost<TEntryPoint> ConfigureTestServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _testServices.Add(configure);
        return this;
    }

    /// <summary>A channel to the in-memory app; starts the app on first use. Dispose it after the test.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => Server.CreateGrpcChannel(options);

    /// <inheritdoc />
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
