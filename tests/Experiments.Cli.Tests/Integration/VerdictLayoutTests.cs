using System.Globalization;
using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;

namespace Experiments.Cli.Tests.Integration;

/// <summary>
/// How <c>exp verdict</c> lays a verdict out: a section per API saying what the API is, its KPIs under it, within 120
/// columns; the tail line; <c>--as-of</c> as people type it.
/// </summary>
public sealed class VerdictLayoutTests
{
    private static readonly string[] Headings =
    [
        "API " + TradingVerdict.PlaceOrder,
        "API " + TradingVerdict.HttpOrders,
        "Dependency call " + TradingVerdict.Broker,
        "API trading.v1.TradingCore/StreamQuotes",
        "Dependency call " + TradingVerdict.Prices,
        "All calls",
        "Users",
    ];

    [Fact]
    public async Task Kpis_are_grouped_under_a_heading_per_api_in_the_experiments_order()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = TradingVerdict.Create("smart-routing");

        var result = await cli.RunAsync("verdict", "smart-routing");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        var headings = lines.Select((line, index) => (Heading: HeadingOf(line), index)).Where(h => h.Heading is not null).ToList();
        Assert.Equal(Headings, headings.Select(h => h.Heading));
        // Each KPI's title line lies in its API's section (between its heading and the next); the stream's two
        // measures share the stream's section.
        var expected = new Dictionary<string, string>
        {
            ["place-order-p99"] = Headings[0],
            ["http-orders-errors"] = Headings[1],
            ["broker-p99"] = Headings[2],
            ["quotes-first-message"] = Headings[3],
            ["quotes-staleness"] = Headings[3],
            ["prices-p50"] = Headings[4],
            ["all-errors"] = Headings[5],
            ["day1-retention"] = Headings[6],
        };
        foreach (var (key, heading) in expected)
        {
            var title = Array.FindIndex(lines, l => l.StartsWith(key + " · ", StringComparison.Ordinal));
            Assert.True(title >= 0, $"no title line for {key}");
            Assert.Equal(heading, headings.Last(h => h.index < title).Heading);
        }
    }

    [Fact]
    public async Task Each_heading_says_who_serves_the_api_and_what_a_stream_measure_is()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = TradingVerdict.Create("smart-routing");

        var text = (await cli.RunAsync("verdict", "smart-routing")).Stdout;

        Assert.Equal("gRPC method served by the backend (inbound calls)", DescriptionUnder(text, Headings[0]));
        Assert.Equal("HTTP endpoint served by the backend (inbound requests)", DescriptionUnder(text, Headings[1]));
        Assert.StartsWith("HTTP call the backend makes to its dependency 'broker'", DescriptionUnder(text, Headings[2]), StringComparison.Ordinal);
        Assert.StartsWith("gRPC call the backend makes to its dependency 'market-data'", DescriptionUnder(text, Headings[4]), StringComparison.Ordinal);
        var stream = DescriptionUnder(text, Headings[3]);
        Assert.Contains("time to first message (#first-message): from the start of the stream to its first message", stream, StringComparison.Ordinal);
        Assert.Contains("staleness (#staleness): per message, the delay from its source time", stream, StringComparison.Ordinal);
        Assert.StartsWith("every call the backend served", DescriptionUnder(text, "All calls"), StringComparison.Ordinal);
        Assert.StartsWith("whether the randomized units come back", DescriptionUnder(text, "Users"), StringComparison.Ordinal);
        Assert.Contains("quotes-staleness · p50 latency of staleness · SECONDARY", text, StringComparison.Ordinal);
        Assert.Contains("quotes-first-message · p99 latency of time to first message · SECONDARY", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_line_fits_120_columns_and_keeps_names_and_figures_whole()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = TradingVerdict.Create("smart-routing");

        var text = (await cli.RunAsync("verdict", "smart-routing")).Stdout;

        var lines = text.Split('\n');
        Assert.All(lines, line => Assert.True(line.TrimEnd('\r').Length <= 120, $"{line.Length} columns: {line}"));
        // Fitting must wrap between words, not cut names and numbers in two: a 30-character variant name still fits.
        Assert.Contains("smart-order-routing-v2", text, StringComparison.Ordinal);
        Assert.Contains("experimental-colocated-routing", text, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("[-9.878 ms, -2.622 ms]", StringComparison.Ordinal));
        Assert.Equal(8 * 2, lines.Count(l => l.StartsWith("│ smart-order-routing-v2 ", StringComparison.Ordinal) || l.StartsWith("│ experimental-colocated-routing ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(80)]
    public async Task A_narrower_console_gets_lines_no_wider_than_itself(int width)
    {
        await using var cli = await CliHarness.StartAsync();
        cli.ConsoleWidth = width;
        cli.Statistics.Current = TradingVerdict.Create("smart-routing");

        var text = (await cli.RunAsync("verdict", "smart-routing")).Stdout;

        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= width, $"{line.Length} columns: {line}"));
        Assert.Contains("KPI decision: NO SIGNIFICANT DIFFERENCE", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tail_line_says_which_share_of_the_slowest_requests_a_client_accounts_for()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = TradingVerdict.Create("smart-routing");

        var text = (await cli.RunAsync("verdict", "smart-routing")).Stdout;

        Assert.Contains("Tail (each arm's slowest requests, those over its p99):", text, StringComparison.Ordinal);
        var tail = string.Join(' ', text.Split('\n').SkipWhile(l => !l.Contains("Tail (", StringComparison.Ordinal)).Skip(1).Take(2).Select(l => l.Trim()));
        Assert.StartsWith("• client web-trader/4.2 accounts for 100% of control's requests over 89.62 ms (12 of the 1,000 requests it sent there were that slow)", tail, StringComparison.Ordinal);
        Assert.DoesNotContain("100% of requests over", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yesterday", "2026-12-06T14:30:00Z")]
    [InlineData("now", "2026-12-07T14:30:00Z")]
    [InlineData("2h", "2026-12-07T12:30:00Z")]
    [InlineData("3d ago", "2026-12-04T14:30:00Z")]
    [InlineData("-90m", "2026-12-07T13:00:00Z")]
    [InlineData("2026-12-01", "2026-12-01T00:00:00Z")]
    [InlineData("2026-12-01T09:15:00+01:00", "2026-12-01T08:15:00Z")]
    [InlineData("2026-12-01T09:15:00", "2026-12-01T09:15:00Z")]
    public async Task As_of_takes_iso_times_and_times_ago(string given, string expected)
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Time = new FixedClock(DateTimeOffset.Parse("2026-12-07T14:30:00Z", CultureInfo.InvariantCulture));
        cli.Statistics.Current = Samples.Verdict("engine-v2");

        var result = await cli.RunAsync("verdict", "engine-v2", "--as-of", given);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<GetVerdictRequest>(Assert.Single(cli.Statistics.Requests));
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), request.AsOfTime.ToDateTimeOffset());
    }

    [Theory]
    [InlineData("last tuesday")]
    [InlineData("soon")]
    [InlineData("1e400d")]
    public async Task An_as_of_that_is_no_time_is_a_usage_error_naming_what_works(string given)
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = Samples.Verdict("engine-v2");

        var result = await cli.RunAsync("verdict", "engine-v2", "--as-of", given);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(cli.Statistics.Requests);
        Assert.Equal($"error: --as-of '{given}' is not a time: give ISO 8601 (2026-12-06T14:00:00Z, or 2026-12-06 for its midnight UTC), 'now', 'yesterday' (24 h ago) or a time ago such as 2h, 3d ago, 1w",
            result.Stderr.TrimEnd());
        Assert.DoesNotContain("System.", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The title of a section rule ("── API x ──────"), or null for any other line.</summary>
    private static string? HeadingOf(string line)
    {
        var trimmed = line.TrimEnd();
        if (!trimmed.StartsWith("── ", StringComparison.Ordinal) || !trimmed.EndsWith('─'))
        {
            return null;
        }
        return trimmed.Trim('─', ' ');
    }

    /// <summary>The description printed under a section heading (it may wrap over several lines).</summary>
    private static string DescriptionUnder(string text, string heading)
    {
        var lines = text.Split('\n');
        var at = Array.FindIndex(lines, l => HeadingOf(l) == heading);
        Assert.True(at >= 0, $"no heading {heading}");
        return string.Join(' ', lines.Skip(at + 1).TakeWhile(l => l.Trim().Length > 0).Select(l => l.Trim()));
    }
}
