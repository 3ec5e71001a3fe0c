using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

/// <summary>
/// Checks one exchange before it is stored: capture_id, api_name, start_time and protocol are required; identifiers and
/// the serialized exchange stay within Ingestion:Captures limits; the duration is a finite, non-negative number.
/// </summary>
internal sealed class CaptureValidator(IOptionsMonitor<CaptureOptions> options)
{
    // Timestamp's own valid range (0001-01-01 to 9999-12-31), as google/protobuf/timestamp.proto states it.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    public CaptureViolation? Validate(CapturedExchange exchange, string path)
    {
        var limits = options.CurrentValue;
        return Required(exchange.CaptureId, path + ".capture_id", limits)
            ?? Required(exchange.ApiName, path + ".api_name", limits)
            ?? Bounded(exchange.ServiceName, path + ".service_name", limits)
            ?? Bounded(exchange.ClientId, path + ".client_id", limits)
            ?? Bounded(exchange.UnitId, path + ".unit_id", limits)
            ?? StartTime(exchange.StartTime, path + ".start_time")
            ?? Protocol(exchange.Protocol, path + ".protocol")
            ?? Duration(exchange.DurationMs, path + ".duration_ms")
            ?? Size(exchange, path, limits);
    }

    private static CaptureViolation? Required(string value, string field, CaptureOptions limits) =>
        value.Length == 0 ? new CaptureViolation(field, "is required") : Bounded(value, field, limits);

    private static CaptureViolation? Bounded(string value, string field, CaptureOptions limits) =>
        value.Length > limits.MaxIdLength ? new CaptureViolation(field, $"is {value.Length} characters long; at most {limits.MaxIdLength} are allowed") : null;

    private static CaptureViolation? StartTime(Timestamp? start, string field) => start switch
    {
        null => new CaptureViolation(field, "is required"),
        { Seconds: < MinSeconds or > MaxSeconds } or { Nanos: < 0 or > 999_999_999 } => new CaptureViolation(field, "is not a valid timestamp"),
        _ => null,
    };

    private static CaptureViolation? Protocol(CaptureProtocol protocol, string field) =>
        protocol is CaptureProtocol.Grpc or CaptureProtocol.Http ? null : new CaptureViolation(field, "must be CAPTURE_PROTOCOL_GRPC or CAPTURE_PROTOCOL_HTTP");

    private static CaptureViolation? Duration(double milliseconds, string field) =>
        double.IsFinite(milliseconds) && milliseconds >= 0 ? null : new CaptureViolation(field, "must be a finite number of milliseconds, zero or more");

    private static CaptureViolation? Size(CapturedExchange exchange, string path, CaptureOptions limits)
    {
        var size = exchange.CalculateSize();
        return size > limits.MaxExchangeBytes
            ? new CaptureViolation(path, $"is {size} bytes serialized; at most {limits.MaxExchangeBytes} are allowed (Ingestion:Captures:MaxExchangeBytes)")
            : null;
    }
}
