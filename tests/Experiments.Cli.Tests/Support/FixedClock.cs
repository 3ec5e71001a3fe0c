namespace Experiments.Cli.Tests.Support;

/// <summary>A clock that always reads the same moment.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
