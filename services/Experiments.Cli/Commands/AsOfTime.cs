using System.Globalization;
using System.Text.RegularExpressions;

namespace Experiments.Cli.Commands;

/// <summary>
/// <c>--as-of</c>: a moment as people type it — ISO 8601 (a date alone is its midnight UTC; no offset means UTC),
/// <c>now</c>, <c>yesterday</c> (24 hours ago, as in <c>git log --since=yesterday</c>), or a time ago such as
/// <c>2h</c>, <c>3d ago</c>, <c>-90m</c>.
/// </summary>
internal static partial class AsOfTime
{
    public const string Help = "The verdict in force at this time instead of the current one: ISO 8601 (2026-12-06T14:00:00Z, 2026-12-06 = its midnight UTC), now, yesterday (24 h ago), or a time ago (2h, 3d ago, 1w)";

    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        var value = text.Trim();
        switch (value.ToLowerInvariant())
        {
            case "now":
                return now;
            case "yesterday":
                return now.AddDays(-1);
        }
        if (Ago().Match(value) is { Success: true } match
            && double.TryParse(match.Groups["amount"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            && double.IsFinite(amount))
        {
            var unit = match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" or "min" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => TimeSpan.FromDays(7),
            };
            var seconds = unit.TotalSeconds * amount;
            if (seconds <= (now - DateTimeOffset.MinValue).TotalSeconds)
            {
                return now - TimeSpan.FromSeconds(seconds);
            }
        }
        else if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            && value.Any(char.IsDigit))
        {
            return time;
        }
        throw new CliUsageException($"--as-of '{text}' is not a time: give ISO 8601 (2026-12-06T14:00:00Z, or 2026-12-06 for its midnight UTC), 'now', 'yesterday' (24 h ago) or a time ago such as 2h, 3d ago, 1w");
    }

    [GeneratedRegex(@"^-?(?<amount>\d+(\.\d+)?)\s*(?<unit>s|m|min|h|d|w)(\s+ago)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Ago();
}
