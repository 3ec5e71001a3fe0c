using Experiments.ServiceDefaults.Logging;
using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion.Tests.Unit;

/// <summary>Durations in log lines read as a person writes them (issue 15: not <c>00:00:00.2000000</c>).</summary>
public sealed partial class HumanDurationTests
{
    [Theory]
    [InlineData(0, "0 ms")]
    [InlineData(0.25, "0.25 ms")]
    [InlineData(200, "200 ms")]
    [InlineData(999, "999 ms")]
    [InlineData(1_000, "1 s")]
    [InlineData(1_500, "1.5 s")]
    [InlineData(10_000, "10 s")]
    [InlineData(150_000, "2 min 30 s")]
    [InlineData(120_000, "2 min")]
    [InlineData(3_900_000, "1 h 5 min")]
    [InlineData(187_200_000, "2 d 4 h")]
    [InlineData(-200, "-200 ms")]
    public void Formats_as_a_person_reads_it(double milliseconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void A_logger_message_taking_a_human_duration_prints_it_readably()
    {
        var logger = new RecordingLogger();

        RetryingIn(logger, TimeSpan.FromMilliseconds(200));

        Assert.Equal("retrying in 200 ms", Assert.Single(logger.Lines));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "retrying in {Delay}")]
    private static partial void RetryingIn(ILogger logger, HumanDuration delay);

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
