using System.Globalization;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// The time range of the traffic page, as its <c>since</c> parameter writes it: a count and a unit, "15m", "1h", "24h",
/// "7d". The page offers 15m, 1h and 24h; a link may name any other range up to <see cref="Longest"/>.
/// </summary>
internal static class TrafficRange
{
    public const string Default = "1h";

    public static readonly TimeSpan Longest = TimeSpan.FromDays(30);

    public static bool TryParse(string text, out TimeSpan range, out string error)
    {
        range = default;
        error = "";
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            error = $"since '{text}' is not a time range such as 15m, 1h or 24h.";
            return false;
        }
        TimeSpan? unit = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null)
        {
            error = $"since '{text}' has no unit: use m (minutes), h (hours) or d (days), e.g. 15m, 1h, 24h.";
            return false;
        }
        if (count > Longest / unit.Value)
        {
            error = $"since '{text}' is longer than the longest range, {Longest.TotalDays:0} days.";
            return false;
        }
        range = unit.Value * count;
        return true;
    }
}
