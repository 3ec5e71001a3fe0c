using Experiments.Contracts.V1;

namespace Experiments.Ingestion.Captures;

/// <summary>CaptureFilter (protobuf) to <see cref="CaptureQuery"/>, refusing timestamps outside Timestamp's range.</summary>
internal static class CaptureFilters
{
    public static CaptureQuery ToQuery(CaptureFilter? filter)
    {
        if (filter is null)
        {
            return CaptureQuery.All;
        }
        return new CaptureQuery(
            filter.ServiceName,
            filter.ClientIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            filter.ApiNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            filter.UnitId,
            filter.StartTime is null ? null : Time(filter.StartTime, "filter.start_time"),
            filter.EndTime is null ? null : Time(filter.EndTime, "filter.end_time"));
    }

    private static DateTimeOffset Time(Google.Protobuf.WellKnownTypes.Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw CaptureErrors.InvalidArgument(new CaptureViolation(field, "is not a valid timestamp"));
        }
    }
}
