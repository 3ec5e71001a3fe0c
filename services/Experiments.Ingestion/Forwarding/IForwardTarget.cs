using Experiments.Contracts.V1;

namespace Experiments.Ingestion.Forwarding;

/// <summary>Where the outbox forwarder delivers: statistics over gRPC, or a Dapr pub/sub topic.</summary>
internal interface IForwardTarget
{
    /// <summary>For logs.</summary>
    string Name { get; }

    /// <summary>The partitions this target receives, ascending; each partition has exactly one target.</summary>
    IReadOnlyList<int> Partitions { get; }

    /// <summary>A new session; <paramref name="confirmed"/> is called with (partition, position) as the target confirms.</summary>
    IForwardSession CreateSession(string logId, int partitionCount, Action<int, long> confirmed);
}

/// <summary>One connection's worth of forwarding; the forwarder opens a new one after a failure.</summary>
internal interface IForwardSession : IAsyncDisposable
{
    /// <summary>Opens the session; returns a position at or below which the target already has every event of its partitions (0 if unknown).</summary>
    Task<long> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Sends consecutive events of one of the target's partitions, ascending; confirmation may come later.</summary>
    Task SendAsync(int partition, IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken);

    /// <summary>Faults (or completes) when the session can no longer deliver.</summary>
    Task Completion { get; }
}
