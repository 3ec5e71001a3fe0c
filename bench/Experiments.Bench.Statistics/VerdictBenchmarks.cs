using BenchmarkDotNet.Attributes;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Experiments.Bench.Statistics;

/// <summary>
/// GetVerdict over a loopback HTTP/2 connection for an experiment with 1,000,000 users and six KPIs (basic and full
/// views; API-key check included), against grpc.health.v1 Check on the same server as the reference in the same run.
/// Recompute is the background work behind a verdict at that size (snapshot of the per-unit state and evaluation):
/// it bounds how fresh verdicts can be at scale, it is not on the request path.
/// </summary>
public class VerdictBenchmarks
{
    public const int Units = 1_000_000;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "statistics-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private StatisticsServer _server = null!;
    private GrpcChannel _channel = null!;
    private Health.HealthClient _health = null!;
    private Contracts.V1.Statistics.StatisticsClient _statistics = null!;
    private CallOptions _options;
    private readonly GetVerdictRequest _basic = new() { ExperimentId = Workload.ExperimentId, View = VerdictView.Basic };
    private readonly GetVerdictRequest _full = new() { ExperimentId = Workload.ExperimentId, View = VerdictView.Full };

    [GlobalSetup]
    public void Setup()
    {
        _server = StatisticsServer.StartAsync(_folder, Units).GetAwaiter().GetResult();
        _channel = GrpcChannel.ForAddress(_server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        _health = new Health.HealthClient(_channel);
        _statistics = new Contracts.V1.Statistics.StatisticsClient(_channel);
        _options = new CallOptions(new Metadata { { "authorization", "Bearer " + StatisticsServer.Key } });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public async Task<HealthCheckResponse> HealthCheck() =>
        await _health.CheckAsync(new HealthCheckRequest(), _options);

    [Benchmark]
    public async Task<Verdict> GetVerdictBasic() => await _statistics.GetVerdictAsync(_basic, _options);

    [Benchmark]
    public async Task<Verdict> GetVerdictFull() => await _statistics.GetVerdictAsync(_full, _options);

    [Benchmark]
    public Task Recompute() => _server.Verdicts.ComputeAsync(Workload.ExperimentId);
}
