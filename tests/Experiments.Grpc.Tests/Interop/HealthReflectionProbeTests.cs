using Experiments.Tests.Shared;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>
/// A grpcio client that knows only the standard health and reflection protos finds every service, sees it
/// SERVING, and gets UNIMPLEMENTED for an unknown method.
/// </summary>
public sealed class HealthReflectionProbeTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    [Fact]
    public async Task Python_probe_lists_services_by_reflection_and_finds_them_serving()
    {
        var (exitCode, output) = await Python.RunAsync("health_reflection_probe.py", TimeSpan.FromSeconds(60),
            Python.ProtosRoot, server.Target,
            "experiments.testing.v1.InteropTestService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");
        Assert.True(exitCode == 0, output);
    }
}
