using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Experiments.Tests.Shared;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// A configuration mistake ends the process with one line naming the setting and exit code 78 (EX_CONFIG of
/// sysexits.h, as README documents), never a stack trace or an abort (134).
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private const int ExConfig = 78;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_partition_owned_by_no_replica_is_one_line_and_exit_code_78()
    {
        var (exitCode, error, output) = await ServiceProcess.RunToExitAsync("Experiments.Ingestion", TimeSpan.FromSeconds(60),
            "--Ingestion:Log:DataPath=" + _dir.Path, "--Ingestion:Forwarding:Mode=Local", "--Ingestion:Forwarding:PartitionCount=2",
            "--Ingestion:Forwarding:Statistics:0:Address=http://127.0.0.1:1", "--Ingestion:Forwarding:Statistics:0:Partitions:0=0");

        Assert.True(exitCode == ExConfig, $"exit code {exitCode}; stderr: {string.Join('\n', error)}; stdout: {string.Join('\n', output)}");
        var line = Assert.Single(error);
        Assert.Contains("configuration error", line, StringComparison.Ordinal);
        Assert.Contains("partition 1 is owned by no statistics replica", line, StringComparison.Ordinal);
        Assert.Contains("Ingestion:Forwarding:Statistics", line, StringComparison.Ordinal);
        Assert.DoesNotContain(output.Concat(error), l => l.StartsWith("at ", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unusable_address_is_one_line_naming_the_setting()
    {
        var (exitCode, error, output) = await ServiceProcess.RunToExitAsync("Experiments.Ingestion", TimeSpan.FromSeconds(60),
            "--Ingestion:Log:DataPath=" + _dir.Path, "--Ingestion:Forwarding:Mode=None", "--Rest:Urls=http://example.com:5122");

        Assert.True(exitCode == ExConfig, $"exit code {exitCode}; stderr: {string.Join('\n', error)}; stdout: {string.Join('\n', output)}");
        var line = Assert.Single(error);
        Assert.Contains("Rest:Urls", line, StringComparison.Ordinal);
        Assert.Contains("IP address", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ingestion:Validation:MaxLatencyMs", "0", "Ingestion:Validation:MaxLatencyMs")]
    [InlineData("Ingestion:Validation:MaxLatencyMs", "NaN", "Ingestion:Validation:MaxLatencyMs")]
    [InlineData("Ingestion:Validation:MaxNameLength", "0", "Ingestion:Validation:MaxNameLength")]
    [InlineData("Ingestion:Intake:MaxBatchEvents", "0", "Ingestion:Intake:MaxBatchEvents")]
    [InlineData("Auth:ApiKeys:0:Scopes:0", "ingset", "Auth:ApiKeys:0:Scopes:0")]
    [InlineData("Auth:ApiKeys:0:Key", "", "Auth:ApiKeys:0:Key")]
    [InlineData("Auth:Jwt:SigningKey", "too-short", "Auth:Jwt:SigningKey")]
    public void Invalid_options_refuse_to_start_naming_the_setting(string key, string value, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => IngestionHost.Start(_dir.Path, new Dictionary<string, string> { [key] = value }));

        var invalid = Causes(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(invalid is not null, error.ToString());
        Assert.Contains(invalid.Failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_latency_above_the_configured_maximum_is_rejected_naming_the_field()
    {
        await using var host = IngestionHost.Start(_dir.Path, new Dictionary<string, string> { ["Ingestion:Validation:MaxLatencyMs"] = "60000" });

        var response = await host.Client().IngestBatchAsync(TestEvents.Batch(1,
            TestEvents.Request("at-limit", latencyMs: 60_000), TestEvents.Request("huge", latencyMs: 1e308), TestEvents.Request("above", latencyMs: 60_000.5)));

        Assert.Equal(1, response.AcceptedCount);
        Assert.Equal([("huge", "request.latency_ms"), ("above", "request.latency_ms")], response.Rejections.Select(r => (r.EventId, r.Field)));
        Assert.All(response.Rejections, r => Assert.Equal(EventRejectionReason.InvalidValue, r.Reason));
    }

    [Fact]
    public async Task By_default_latencies_above_one_hour_are_rejected()
    {
        await using var host = IngestionHost.Start(_dir.Path);

        var response = await host.Client().IngestBatchAsync(TestEvents.Batch(1,
            TestEvents.Request("one-hour", latencyMs: 3_600_000), TestEvents.Request("1e308", latencyMs: 1e308)));

        Assert.Equal(1, response.AcceptedCount);
        Assert.Equal("1e308", Assert.Single(response.Rejections).EventId);
    }

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Causes))
                {
                    yield return inner;
                }
            }
        }
    }
}
