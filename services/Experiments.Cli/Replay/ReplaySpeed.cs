using System.Globalization;

namespace Experiments.Cli.Replay;

/// <summary>
/// <c>--speed</c>: <c>1x</c> keeps the recorded gaps between the starts of exchanges, <c>10x</c> divides them by ten
/// (any positive factor, e.g. <c>2.5x</c>), <c>max</c> sends as fast as the concurrency allows.
/// </summary>
internal readonly record struct ReplaySpeed(double Factor)
{
    public static readonly ReplaySpeed Max = new(double.PositiveInfinity);

    public bool IsMax => double.IsPositiveInfinity(Factor);

    /// <summary>The wait between two starts recorded <paramref name="recorded"/> apart.</summary>
    public TimeSpan Scale(TimeSpan recorded) =>
        IsMax || recorded <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(recorded.Ticks / Factor));

    public static ReplaySpeed Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ReplaySpeed(1);
        }
        var value = text.Trim();
        if (string.Equals(value, "max", StringComparison.OrdinalIgnoreCase))
        {
            return Max;
        }
        if (value.EndsWith('x') || value.EndsWith('X'))
        {
            value = value[..^1];
        }
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0 && double.IsFinite(factor)
            ? new ReplaySpeed(factor)
            : throw new CliUsageException($"--speed: '{text}' is not 1x, 10x, another positive factor such as 2.5x, or max");
    }

    public override string ToString() => IsMax ? "max" : Factor.ToString("0.##", CultureInfo.InvariantCulture) + "x";
}
