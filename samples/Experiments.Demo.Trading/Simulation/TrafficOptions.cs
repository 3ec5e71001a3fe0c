using System.Globalization;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>Traffic simulator settings.</summary>
public sealed class TrafficOptions
{
    /// <summary>The trading core's gRPC address.</summary>
    public string BaseAddress { get; set; } = "http://127.0.0.1:5110";

    /// <summary>Quotes each session streams before it trades.</summary>
    public int QuotesPerSession { get; set; } = 3;

    /// <summary>Users active on day 0.</summary>
    public int Users { get; set; } = 2_000;

    /// <summary>Simulated days, compressed into <see cref="Duration"/> of real time.</summary>
    public int Days { get; set; } = 7;

    /// <summary>Real time the whole simulation takes.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Sessions in flight at most.</summary>
    public int Concurrency { get; set; } = 48;

    /// <summary>Chance that a user with a flawless day comes back the next day.</summary>
    public double BaseReturnProbability { get; set; } = 0.85;

    /// <summary>Share of users trading through the algo-bot (a few percent: the small share that degrades performance).</summary>
    public double AlgoBotShare { get; set; } = 0.03;

    /// <summary>Share of users on the mobile app; the rest use the web app.</summary>
    public double MobileShare { get; set; } = 0.4;

    /// <summary>Seed of the simulation's own randomness (order sizes, symbols, returns).</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Parses "30s", "2m", "90" (seconds) or a TimeSpan ("00:01:30").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        var invariant = CultureInfo.InvariantCulture;
        if (text.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(double.Parse(text[..^2], invariant));
        }
        if (text.EndsWith('s'))
        {
            return TimeSpan.FromSeconds(double.Parse(text[..^1], invariant));
        }
        if (text.EndsWith('m'))
        {
            return TimeSpan.FromMinutes(double.Parse(text[..^1], invariant));
        }
        if (text.EndsWith('h'))
        {
            return TimeSpan.FromHours(double.Parse(text[..^1], invariant));
        }
        return double.TryParse(text, NumberStyles.Float, invariant, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.Parse(text, invariant);
    }
}
