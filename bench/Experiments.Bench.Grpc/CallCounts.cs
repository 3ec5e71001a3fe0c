namespace Experiments.Bench.Grpc;

/// <summary>The server's counts for one path: calls that ended with HTTP 200 and grpc-status 0, and all others.</summary>
internal readonly record struct CallCounts(long Ok, long Failed)
{
    public static CallCounts operator -(CallCounts after, CallCounts before) =>
        new(after.Ok - before.Ok, after.Failed - before.Failed);
}
