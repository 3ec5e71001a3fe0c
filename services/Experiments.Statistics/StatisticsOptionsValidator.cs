using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics;

/// <summary>
/// Refuses to start with statistics settings that would fail later, one call or one timer tick at a time: partitions
/// outside the partition count, intervals a timer cannot run on, addresses that are not addresses.
/// </summary>
internal sealed class StatisticsOptionsValidator : IValidateOptions<StatisticsOptions>
{
    private const string Section = "Statistics";

    public ValidateOptionsResult Validate(string? name, StatisticsOptions options)
    {
        var failures = new List<string>();
        if (options.PartitionCount < 1)
        {
            failures.Add(Format("{0}:PartitionCount must be at least 1 (was {1})", Section, options.PartitionCount));
        }
        for (var i = 0; i < options.OwnedPartitions.Count; i++)
        {
            var partition = options.OwnedPartitions[i];
            if (partition < 0 || partition >= options.PartitionCount)
            {
                failures.Add(Format("{0}:OwnedPartitions:{1} is {2}, outside 0..{3} ({0}:PartitionCount is {4})",
                    Section, i, partition, options.PartitionCount - 1, options.PartitionCount));
            }
            else if (options.OwnedPartitions.IndexOf(partition) != i)
            {
                failures.Add(Format("{0}:OwnedPartitions lists partition {1} twice", Section, partition));
            }
        }
        Positive(failures, "CheckpointInterval", options.CheckpointInterval);
        Positive(failures, "VerdictInterval", options.VerdictInterval);
        Positive(failures, "DefinitionWait", options.DefinitionWait);
        if (options.HistoryLimit < 1)
        {
            failures.Add(Format("{0}:HistoryLimit must be at least 1 (was {1})", Section, options.HistoryLimit));
        }
        if (options.EventIdWindow < 1)
        {
            failures.Add(Format("{0}:EventIdWindow must be at least 1 (was {1})", Section, options.EventIdWindow));
        }
        if (!double.IsFinite(options.MaxLatencyMs) || options.MaxLatencyMs <= 0)
        {
            failures.Add(Format("{0}:MaxLatencyMs must be a positive number of milliseconds (was {1})", Section, options.MaxLatencyMs));
        }
        if (options.AssignmentAddress.Length > 0)
        {
            Address(failures, Section + ":AssignmentAddress", options.AssignmentAddress);
        }
        for (var i = 0; i < options.ShardAddresses.Count; i++)
        {
            Address(failures, Format("{0}:ShardAddresses:{1}", Section, i), options.ShardAddresses[i]);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            failures.Add(Format("{0}:{1} must be between 0 and 1 day, e.g. 00:00:00.500 (was {2})", Section, key, value));
        }
    }

    private static void Address(List<string> failures, string key, string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add(Format("{0} must be an absolute http:// or https:// address, e.g. http://127.0.0.1:5101 (was '{1}')", key, address));
        }
    }

    private static string Format(string format, params object?[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
