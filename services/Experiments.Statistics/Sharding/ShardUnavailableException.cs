namespace Experiments.Statistics.Sharding;

/// <summary>A configured shard could not be reached, failed, or ended the stream a merge follows.</summary>
internal sealed class ShardUnavailableException(string address, string detail, Exception? inner = null)
    : Exception($"shard {address}: {detail}", inner);
