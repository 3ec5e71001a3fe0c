using Experiments.Ingestion.Forwarding;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class ForwardingOptionsValidatorTests
{
    private static ForwardingOptions Options(int partitionCount, params (string Address, int[] Partitions)[] replicas)
    {
        var options = new ForwardingOptions { Mode = ForwardingMode.Local, PartitionCount = partitionCount };
        options.Statistics.AddRange(replicas.Select(r => new StatisticsReplicaOptions { Address = r.Address, Partitions = [.. r.Partitions] }));
        return options;
    }

    private static IEnumerable<string> Failures(ForwardingOptions options) =>
        new ForwardingOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Replicas_owning_every_partition_once_are_valid() =>
        Assert.Empty(Failures(Options(5, ("http://a:1", [0, 3]), ("http://b:1", [1]), ("https://c:1", [4, 2]))));

    [Fact]
    public void One_statistics_address_owns_every_partition() =>
        Assert.Empty(Failures(new ForwardingOptions { PartitionCount = 8, StatisticsAddress = "http://127.0.0.1:5103" }));

    [Fact]
    public void A_partition_owned_twice_is_named_with_both_owners()
    {
        var failure = Assert.Single(Failures(Options(3, ("http://a:1", [0, 2]), ("http://b:1", [1, 2]))));

        Assert.Equal("partition 2 is owned twice: by Ingestion:Forwarding:Statistics:0 (http://a:1) and by Ingestion:Forwarding:Statistics:1 (http://b:1)", failure);
    }

    [Fact]
    public void A_partition_owned_by_no_replica_is_named()
    {
        var failure = Assert.Single(Failures(Options(4, ("http://a:1", [0, 2]), ("http://b:1", [1]))));

        Assert.StartsWith("partition 3 is owned by no statistics replica", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_partitions_empty_sets_and_bad_addresses_are_named_by_key()
    {
        var failures = Failures(Options(2, ("http://a:1", [0, 2]), ("b:1", [1]), ("http://c:1", []))).ToList();

        Assert.Contains("Ingestion:Forwarding:Statistics:0:Partitions names partition 2, outside 0..1 (Ingestion:Forwarding:PartitionCount is 2)", failures);
        Assert.Contains("Ingestion:Forwarding:Statistics:1:Address must be an absolute http:// or https:// address (was 'b:1')", failures);
        Assert.Contains("Ingestion:Forwarding:Statistics:2:Partitions is empty: list the partitions this replica owns", failures);
        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void A_partition_listed_twice_by_one_replica_is_refused() =>
        Assert.Equal(["partition 1 is listed twice in Ingestion:Forwarding:Statistics:0:Partitions"], Failures(Options(2, ("http://a:1", [0, 1, 1]))));

    [Fact]
    public void Replicas_are_refused_in_Dapr_mode_where_statistics_replicas_share_the_topic()
    {
        var options = Options(2, ("http://a:1", [0]), ("http://b:1", [1]));
        options.Mode = ForwardingMode.Dapr;

        Assert.Contains(Failures(options), f => f.StartsWith("Ingestion:Forwarding:Statistics routes partitions in local mode only", StringComparison.Ordinal));
    }

    [Fact]
    public void Partition_count_must_be_positive() =>
        Assert.Equal(["Ingestion:Forwarding:PartitionCount must be at least 1 (was 0)"], Failures(Options(0, ("http://a:1", [0]))));

    [Fact]
    public void Nothing_is_checked_when_forwarding_is_off() =>
        Assert.Empty(Failures(new ForwardingOptions { Mode = ForwardingMode.None, PartitionCount = 0, StatisticsAddress = "" }));
}
