using Experiments.Grpc.Health;
using Grpc.Health.V1;
using Grpc.Reflection.V1;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>Health and reflection through the typed clients.</summary>
public sealed class WellKnownServicesTests
{
    private const string EchoServiceName = "experiments.testing.v1.EchoService";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Health_check_reports_the_server_and_a_mapped_service_SERVING()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel();
        var health = new HealthClient(channel);

        var whole = await health.CheckAsync(new HealthCheckRequest());
        var echo = health.Check(new HealthCheckRequest { Service = EchoServiceName });

        Assert.Equal(ServingStatus.Serving, whole.Status);
        Assert.Equal(ServingStatus.Serving, echo.Status);
    }

    [Fact]
    public async Task Health_check_of_an_unknown_service_gives_NOT_FOUND()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => new HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "no.Such" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Health_watch_streams_the_current_status_then_each_change()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel();
        using var watch = new HealthClient(channel).Watch(new HealthCheckRequest { Service = EchoServiceName });

        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
        var first = watch.ResponseStream.Current.Status;
        server.Services.GetRequiredService<HealthStatusRegistry>().SetStatus(EchoServiceName, ServingStatus.NotServing);
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
        var second = watch.ResponseStream.Current.Status;

        Assert.Equal(ServingStatus.Serving, first);
        Assert.Equal(ServingStatus.NotServing, second);
    }

    [Fact]
    public async Task Reflection_lists_every_mapped_service()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel();
        using var call = new ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.CompleteAsync();

        Assert.Equal(
            [EchoServiceName, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"],
            names.Order(StringComparer.Ordinal));
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Reflection_answers_several_questions_on_one_stream()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel();
        using var call = new ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = EchoServiceName });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var file = call.ResponseStream.Current;
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileByFilename = "no/such.proto" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var missing = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();

        var descriptor = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(file.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("experiments/testing/v1/echo.proto", descriptor.Name);
        Assert.Equal((int)StatusCode.NotFound, missing.ErrorResponse.ErrorCode);
    }
}
