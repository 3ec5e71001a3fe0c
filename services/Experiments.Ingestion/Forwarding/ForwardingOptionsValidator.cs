using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Refuses to start with a forwarding configuration that would lose or misroute events: in local mode every
/// partition must be owned by exactly one statistics replica, each at a usable address. Failures name the
/// configuration key and the partition.
/// </summary>
internal sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    private const string Section = "Ingestion:Forwarding";

    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        if (options.Mode == ForwardingMode.None)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (options.PartitionCount < 1)
        {
            failures.Add(Format("{0}:PartitionCount must be at least 1 (was {1})", Section, options.PartitionCount));
            return ValidateOptionsResult.Fail(failures);
        }
        if (options.Mode == ForwardingMode.Dapr)
        {
            if (options.Statistics.Count > 0)
            {
                // In Dapr mode the broker routes: each partition has its topic, and each replica subscribes to its own.
                failures.Add(Format("{0}:Statistics routes partitions in local mode only; in Dapr mode each partition has its own topic ({0}:Dapr:Topic-p{{n}}) and each statistics replica subscribes to those of its Statistics:OwnedPartitions", Section));
            }
        }
        else if (options.Statistics.Count == 0)
        {
            CheckAddress(failures, Section + ":StatisticsAddress", options.StatisticsAddress);
        }
        else
        {
            CheckReplicas(failures, options);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckReplicas(List<string> failures, ForwardingOptions options)
    {
        var owners = new int?[options.PartitionCount];
        for (var r = 0; r < options.Statistics.Count; r++)
        {
            var replica = options.Statistics[r];
            var key = Format("{0}:Statistics:{1}", Section, r);
            CheckAddress(failures, key + ":Address", replica.Address);
            if (replica.Partitions.Count == 0)
            {
                failures.Add(Format("{0}:Partitions is empty: list the partitions this replica owns", key));
            }
            foreach (var partition in replica.Partitions)
            {
                if (partition < 0 || partition >= options.PartitionCount)
                {
                    failures.Add(Format("{0}:Partitions names partition {1}, outside 0..{2} ({3}:PartitionCount is {4})",
                        key, partition, options.PartitionCount - 1, Section, options.PartitionCount));
                }
                else if (owners[partition] is { } owner)
                {
                    failures.Add(owner == r
                        ? Format("partition {0} is listed twice in {1}:Partitions", partition, key)
                        : Format("partition {0} is owned twice: by {1}:Statistics:{2} ({3}) and by {4} ({5})",
                            partition, Section, owner, options.Statistics[owner].Address, key, replica.Address));
                }
                else
                {
                    owners[partition] = r;
                }
            }
        }
        for (var partition = 0; partition < owners.Length; partition++)
        {
            if (owners[partition] is null)
            {
                failures.Add(Format("partition {0} is owned by no statistics replica: {1}:Statistics must own each of 0..{2} exactly once",
                    partition, Section, options.PartitionCount - 1));
            }
        }
    }

    private static void CheckAddress(List<string> failures, string key, string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add(Format("{0} must be an absolute http:// or https:// address (was '{1}')", key, address));
        }
    }

    private static string Format(string format, params object?[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
