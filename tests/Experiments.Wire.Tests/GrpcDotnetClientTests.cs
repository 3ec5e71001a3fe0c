using Experiments.Contracts.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Experiments.Wire.Tests;

/// <summary>
/// What a grpc-dotnet user's own tooling sees: the standard health and reflection clients (Grpc.HealthCheck,
/// Grpc.Reflection) and Grpc.StatusProto's reading of a refusal, against the services on their sockets.
/// </summary>
[Collection(nameof(RunningServices))]
public sealed class GrpcDotnetClientTests(RunningServices services)
{
    [Theory]
    [InlineData("assignment", "experiments.v1.Assignment")]
    [InlineData("ingestion", "experiments.v1.Ingestion")]
    [InlineData("statistics", "experiments.v1.Statistics")]
    public async Task Health_and_reflection_clients_find_the_service_serving(string service, string serviceName)
    {
        using var channel = GrpcChannel.ForAddress(services[service].Address);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = serviceName }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        Assert.Contains(serviceName, await ListV1Async(channel));
        Assert.Contains(serviceName, await ListV1AlphaAsync(channel));
    }

    [Fact]
    public async Task An_invalid_experiment_is_refused_with_a_bad_request_detail_statusproto_can_read()
    {
        using var channel = GrpcChannel.ForAddress(services["assignment"].Address);
        var admin = new ExperimentAdmin.ExperimentAdminClient(channel);
        var experiment = new Experiment
        {
            FlagKey = "statusproto-flag",
            RandomizationUnit = RandomizationUnit.User,
            RolloutPercent = 150,
            Variants = { new Variant { Key = "control", Weight = 50, IsControl = true }, new Variant { Key = "control", Weight = 50 } },
            Kpis = { new Kpi { Key = "p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary } },
        };
        var headers = new Metadata { { "authorization", "Bearer " + RunningServices.ApiKey } };

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            admin.CreateExperimentAsync(new CreateExperimentRequest { ExperimentId = "statusproto", Experiment = experiment }, headers, DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        var status = refusal.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)Code.InvalidArgument, status.Code);
        var fields = status.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("experiment.rollout_percent", fields);
        Assert.Contains("experiment.variants[1].key", fields);
    }

    private static async Task<List<string>> ListV1Async(GrpcChannel channel)
    {
        using var call = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }

    private static async Task<List<string>> ListV1AlphaAsync(GrpcChannel channel)
    {
        using var call = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }
}
