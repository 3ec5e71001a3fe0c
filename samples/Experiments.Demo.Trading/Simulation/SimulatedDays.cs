namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// The demo's clock: <see cref="Days"/> simulated days compressed into <see cref="RealDuration"/> of real time, each
/// simulated day exactly 24 hours of event time, ending at the real time the simulation ends. So events carry the
/// times of the days they belong to, and day-N retention, which counts days of event time since a unit's exposure,
/// sees users return on day 1, 2, … within a run of minutes. Latencies are measured with the real clock
/// (<see cref="TimeProvider.GetTimestamp"/> is not scaled).
/// </summary>
/// <remarks>
/// The first simulated day starts <see cref="Days"/> days before the end, so <see cref="Days"/> must stay within the
/// ingestion service's acceptance window for past events (7 days by default). Before <see cref="Start"/> the clock
/// stands at the first day's beginning; after the simulated span it follows the real clock.
/// </remarks>
public sealed class SimulatedDays : TimeProvider
{
    private readonly TimeProvider _real;
    private long _startTimestamp;
    private DateTimeOffset _realStart;

    public SimulatedDays(int days, TimeSpan realDuration, TimeProvider? real = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(realDuration, TimeSpan.Zero);
        Days = days;
        RealDuration = realDuration;
        _real = real ?? System;
        _realStart = _real.GetUtcNow();
    }

    public int Days { get; }

    public TimeSpan RealDuration { get; }

    /// <summary>Simulated time per real second.</summary>
    public double Speed => TimeSpan.FromDays(Days) / RealDuration;

    public bool Started => _startTimestamp != 0;

    /// <summary>Starts the simulated days now.</summary>
    public void Start()
    {
        _realStart = _real.GetUtcNow();
        _startTimestamp = _real.GetTimestamp();
    }

    public override DateTimeOffset GetUtcNow()
    {
        var firstDay = _realStart + RealDuration - TimeSpan.FromDays(Days);
        if (!Started)
        {
            return firstDay;
        }
        var simulated = firstDay + (_real.GetElapsedTime(_startTimestamp) * Speed);
        var real = _real.GetUtcNow();
        return simulated < real ? simulated : real;
    }

    public override long GetTimestamp() => _real.GetTimestamp();

    public override long TimestampFrequency => _real.TimestampFrequency;
}
