using System.Globalization;
using Experiments.Assignment.Definitions;
using Google.Protobuf.WellKnownTypes;
using Proto = Experiments.Contracts.V1;

namespace Experiments.Assignment.Rpc;

/// <summary>
/// What must hold of a request's Experiment before it can be mapped at all: a google.protobuf.Duration that is not
/// normalized or lies beyond Duration's range has no TimeSpan (the mapper would fail with UNKNOWN), and output-only
/// values, although ignored, must at least be ones the server could have produced. Range rules on mapped values
/// live in <see cref="DefinitionValidator"/>.
/// </summary>
internal static class ExperimentRequestChecks
{
    public static void Check(Proto.Experiment experiment)
    {
        var violations = new List<FieldViolation>();
        if (experiment.Horizon?.MaxDuration is { } maxDuration && Problem(maxDuration) is { } problem)
        {
            violations.Add(new FieldViolation("experiment.horizon.max_duration", problem));
        }
        if (experiment.Layer is { } layer && (!double.IsFinite(layer.SegmentStartPercent) || layer.SegmentStartPercent is < 0 or >= 100))
        {
            violations.Add(new FieldViolation("experiment.layer.segment_start_percent", string.Create(CultureInfo.InvariantCulture,
                $"is output only (the server allocates the segment) and lies in [0, 100); got {layer.SegmentStartPercent}")));
        }
        if (violations.Count > 0)
        {
            throw new InvalidDefinitionException(violations);
        }
    }

    /// <summary>Why <paramref name="duration"/> is not a valid google.protobuf.Duration, or null when it is.</summary>
    public static string? Problem(Duration duration)
    {
        if (duration.Seconds is < -Duration.MaxSeconds or > Duration.MaxSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"seconds {duration.Seconds} is outside the Duration range of ±{Duration.MaxSeconds} (about 10,000 years)");
        }
        if (duration.Nanos is <= -Duration.NanosecondsPerSecond or >= Duration.NanosecondsPerSecond
            || (duration.Seconds > 0 && duration.Nanos < 0) || (duration.Seconds < 0 && duration.Nanos > 0))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"is not a normalized Duration (seconds {duration.Seconds}, nanos {duration.Nanos}): nanos must lie in (-1e9, 1e9) with the sign of seconds");
        }
        return null;
    }
}
