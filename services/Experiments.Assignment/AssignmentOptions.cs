namespace Experiments.Assignment;

/// <summary>
/// Service behaviour, bound from <c>Assignment</c>. Defaults: WatchDefinitions replays up to 1,024 recent changes
/// on reconnect (older resumes get a snapshot); AssignBatch takes up to 1,000 contexts and Assign up to 1,000
/// flag keys per call; list pages default to 50 and are capped at 1,000; a shared (Dapr) store is polled for other
/// replicas' changes every 2 seconds.
/// </summary>
public sealed class AssignmentOptions
{
    public int WatchReplayCapacity { get; set; } = 1024;

    public int MaxBatchContexts { get; set; } = 1000;

    public int MaxFlagKeys { get; set; } = 1000;

    public int DefaultPageSize { get; set; } = 50;

    public int MaxPageSize { get; set; } = 1000;

    public TimeSpan SharedStoreRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
