using Experiments.Tests.Shared;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Experiments.Wire.Tests;

/// <summary>
/// An orchestrator's SIGTERM: health watchers learn NOT_SERVING before the port closes, and the process exits by itself
/// within seconds though a client holds a stream open.
/// </summary>
public sealed class DrainingTests
{
    [Theory]
    [InlineData("Experiments.Assignment", "experiments.v1.Assignment")]
    [InlineData("Experiments.Ingestion", "experiments.v1.Ingestion")]
    [InlineData("Experiments.Statistics", "experiments.v1.Statistics")]
    public async Task Health_watch_says_not_serving_when_the_service_is_told_to_stop(string assembly, string serviceName)
    {
        var data = Directory.CreateTempSubdirectory("exp-drain-").FullName;
        try
        {
            await using var service = await ServiceProcess.StartBuiltAsync(assembly,
                $"--Data:Folder={data}", $"--Ingestion:Log:DataPath={Path.Combine(data, "log")}", "--Exposures:IngestionAddress=",
                "--Ingestion:Forwarding:Mode=None", "--Dashboard:Urls=http://127.0.0.1:0");
            using var channel = GrpcChannel.ForAddress(service.Address);
            var health = new Health.HealthClient(channel);
            using var watch = health.Watch(new HealthCheckRequest { Service = serviceName }, deadline: DateTime.UtcNow.AddSeconds(60));
            var seen = new List<HealthCheckResponse.Types.ServingStatus>();
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            seen.Add(watch.ResponseStream.Current.Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, seen[0]);

            var stopping = System.Diagnostics.Stopwatch.StartNew();
            service.Terminate();
            try
            {
                while (await watch.ResponseStream.MoveNext(CancellationToken.None))
                {
                    seen.Add(watch.ResponseStream.Current.Status);
                }
            }
            catch (RpcException)
            {
                // The stream may be cut as the server goes away; what it said before is what counts.
            }

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, seen[^1]);
            // A client holding a stream open (this watch, as ingestion holds its Forward stream) must not hold the exit
            // until Kestrel's 30 s shutdown timeout: "within a few seconds" is read generously as 10 s on a loaded machine.
            Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(10)),
                $"the service did not exit within 10 s of SIGTERM ({stopping.Elapsed.TotalSeconds:0.0} s so far):\n" + service.Output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
