using Google.Protobuf.WellKnownTypes;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// TimeSpans as google.protobuf.Duration, clamped to Duration's range (±315,576,000,000 s, about 10,000 years): a
/// TimeSpan reaches ±29,000 years, and an out-of-range Duration serializes in binary yet breaks every JSON
/// formatter and ToTimeSpan on the reading side, so one absurd estimate would take the whole verdict down.
/// </summary>
internal static class ProtoDurations
{
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(Duration.MaxSeconds);

    public static Duration Clamped(TimeSpan value) =>
        Duration.FromTimeSpan(value > Max ? Max : value < -Max ? -Max : value);
}
