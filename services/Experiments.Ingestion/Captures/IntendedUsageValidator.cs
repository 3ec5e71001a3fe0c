using Experiments.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

/// <summary>
/// Checks a declaration before it is stored: a service name, and per endpoint a non-empty, unrepeated api_name, a finite
/// max_calls_per_minute of zero or more, and non-empty must_follow names. Field paths are those of SetIntendedUsageRequest.
/// </summary>
internal sealed class IntendedUsageValidator(IOptionsMonitor<CaptureOptions> options)
{
    private const int MaxEndpoints = 1000;

    public CaptureViolation? Validate(IntendedUsage? usage)
    {
        if (usage is null)
        {
            return new CaptureViolation("usage", "is required");
        }
        var maxLength = options.CurrentValue.MaxIdLength;
        if (Name(usage.ServiceName, "usage.service_name", maxLength) is { } service)
        {
            return service;
        }
        if (usage.Endpoints.Count > MaxEndpoints)
        {
            return new CaptureViolation("usage.endpoints", $"has {usage.Endpoints.Count} entries; at most {MaxEndpoints} are allowed");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < usage.Endpoints.Count; i++)
        {
            var endpoint = usage.Endpoints[i];
            var path = $"usage.endpoints[{i}]";
            if (Name(endpoint.ApiName, path + ".api_name", maxLength) is { } api)
            {
                return api;
            }
            if (!seen.Add(endpoint.ApiName))
            {
                return new CaptureViolation(path + ".api_name", $"'{endpoint.ApiName}' is declared twice");
            }
            if (!double.IsFinite(endpoint.MaxCallsPerMinute) || endpoint.MaxCallsPerMinute < 0)
            {
                return new CaptureViolation(path + ".max_calls_per_minute", "must be a finite number, zero (no limit) or more");
            }
            for (var j = 0; j < endpoint.MustFollow.Count; j++)
            {
                if (Name(endpoint.MustFollow[j], $"{path}.must_follow[{j}]", maxLength) is { } follow)
                {
                    return follow;
                }
            }
            if (endpoint.ReplacedBy.Length > maxLength)
            {
                return new CaptureViolation(path + ".replaced_by", $"is longer than {maxLength} characters");
            }
        }
        return null;
    }

    private static CaptureViolation? Name(string value, string field, int maxLength) => value switch
    {
        "" => new CaptureViolation(field, "is required"),
        _ when value.Length > maxLength => new CaptureViolation(field, $"is longer than {maxLength} characters"),
        _ => null,
    };
}
