using Experiments.Tests.Shared;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>The Assignment service as a real process, probed by grpcio knowing only the standard protos.</summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public async Task Running_service_lists_its_services_by_reflection_and_reports_them_serving()
    {
        await using var service = await ServiceProcess.StartAsync("Experiments.Assignment");

        var (exitCode, output) = await Python.RunAsync("health_reflection_probe.py", TimeSpan.FromSeconds(60),
            Python.ProtosRoot, service.Target,
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

        Assert.True(exitCode == 0, output);
    }
}
