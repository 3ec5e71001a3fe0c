using System.Globalization;

namespace Experiments.ServiceDefaults.Logging;

/// <summary>
/// A TimeSpan as a person reads it in a log line: <c>200 ms</c>, <c>1.5 s</c>, <c>2 min 30 s</c>, <c>3 h 5 min</c>,
/// <c>2 d 4 h</c>, rather than <c>00:00:00.2000000</c>. Use it as the type of a [LoggerMessage] parameter; a TimeSpan
/// converts to it implicitly.
/// </summary>
public readonly record struct HumanDuration(TimeSpan Value)
{
    public static implicit operator HumanDuration(TimeSpan value) => new(value);

    public static HumanDuration FromTimeSpan(TimeSpan value) => new(value);

    public override string ToString() => Format(Value);

    /// <summary>The readable form of <paramref name="value"/>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + Format(value.Duration());
        }
        var culture = CultureInfo.InvariantCulture;
        if (value < TimeSpan.FromSeconds(1))
        {
            return value.TotalMilliseconds.ToString(value.TotalMilliseconds < 10 ? "0.##" : "0", culture) + " ms";
        }
        if (value < TimeSpan.FromMinutes(1))
        {
            return value.TotalSeconds.ToString("0.##", culture) + " s";
        }
        if (value < TimeSpan.FromHours(1))
        {
            return Pair(value.Minutes, "min", value.Seconds, "s");
        }
        return value < TimeSpan.FromDays(1) ? Pair(value.Hours, "h", value.Minutes, "min") : Pair((long)value.TotalDays, "d", value.Hours, "h");
    }

    private static string Pair(long major, string majorUnit, int minor, string minorUnit) =>
        minor == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit} {minor} {minorUnit}");
}
