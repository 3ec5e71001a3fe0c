using Experiments.Statistics.Tests.Support;
using Experiments.Tests.Shared;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>Statistics settings are checked at start: one line naming the setting and exit code 78 (EX_CONFIG), no stack trace.</summary>
public sealed class StatisticsConfigurationTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_replica_owning_a_partition_outside_the_count_exits_78_with_one_line()
    {
        var (exitCode, error, output) = await ServiceProcess.RunToExitAsync("Experiments.Statistics", TimeSpan.FromSeconds(60),
            "--Data:Folder=" + _data.Path, "--Statistics:PartitionCount=2", "--Statistics:OwnedPartitions:0=2", "--Dashboard:Urls=http://127.0.0.1:0");

        Assert.True(exitCode == 78, $"exit code {exitCode}; stderr: {string.Join('\n', error)}; stdout: {string.Join('\n', output)}");
        var line = Assert.Single(error);
        Assert.StartsWith("Experiments.Statistics: configuration error: Statistics:OwnedPartitions:0 is 2, outside 0..1", line, StringComparison.Ordinal);
        Assert.DoesNotContain(output.Concat(error), l => l.StartsWith("at ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Statistics:PartitionCount", "0")]
    [InlineData("Statistics:CheckpointInterval", "00:00:00")]
    [InlineData("Statistics:VerdictInterval", "-00:00:01")]
    [InlineData("Statistics:MaxLatencyMs", "-1")]
    [InlineData("Statistics:AssignmentAddress", "not an address")]
    [InlineData("Statistics:ShardAddresses:0", "127.0.0.1:5103")]
    public async Task Invalid_statistics_options_refuse_to_start_naming_the_setting(string key, string value)
    {
        var host = new StatisticsHost(_data.Path, new Dictionary<string, string> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => host.Channel);

        var invalid = Causes(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(invalid is not null, error.ToString());
        Assert.Contains(invalid.Failures, f => f.StartsWith(key, StringComparison.Ordinal));
        await host.DisposeAsync();
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
