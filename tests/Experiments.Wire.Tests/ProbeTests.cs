using Experiments.Tests.Shared;

namespace Experiments.Wire.Tests;

/// <summary>A grpcio peer that knows only the standard protos, then one that knows ours, against each running service.</summary>
[Collection(nameof(RunningServices))]
public sealed class ProbeTests(RunningServices services)
{
    public static TheoryData<string, string[]> ServicesAndNames => new()
    {
        { "assignment", ["experiments.v1.ExperimentAdmin", "experiments.v1.Assignment"] },
        { "ingestion", ["experiments.v1.Ingestion"] },
        { "statistics", ["experiments.v1.Statistics", "experiments.v1.StatisticsIntake", "experiments.v1.StatisticsShards"] },
    };

    [Theory]
    [MemberData(nameof(ServicesAndNames))]
    public async Task Reflection_lists_every_service_health_says_serving_and_every_unary_method_answers_an_empty_request(string service, string[] names)
    {
        var (exitCode, output) = await Python.RunAsync("health_reflection_probe.py", TimeSpan.FromSeconds(90),
            [Python.ProtosRoot, services[service].Target, "--key=" + RunningServices.ApiKey,
             .. names, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);
        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [InlineData("assignment")]
    [InlineData("ingestion")]
    [InlineData("statistics")]
    public async Task Streaming_calls_start_flow_and_end_with_the_right_status_for_a_grpcio_client(string service)
    {
        var (exitCode, output) = await Python.RunAsync("streaming_probe.py", TimeSpan.FromSeconds(90),
            Python.ProtosRoot, services[service].Target, service == "statistics" ? RunningServices.InternalKey : RunningServices.ApiKey, service);
        Assert.True(exitCode == 0, output);
    }
}
