using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Validation;

/// <summary>Refuses to start with limits that would refuse every event, or accept what statistics cannot count.</summary>
internal sealed class ValidationOptionsValidator : IValidateOptions<ValidationOptions>
{
    private const string Section = "Ingestion:Validation";

    public ValidateOptionsResult Validate(string? name, ValidationOptions options)
    {
        var failures = new List<string>();
        AtLeastOne(failures, "MaxEventIdLength", options.MaxEventIdLength);
        AtLeastOne(failures, "MaxUnitIdLength", options.MaxUnitIdLength);
        AtLeastOne(failures, "MaxNameLength", options.MaxNameLength);
        if (options.MaxEventAge <= TimeSpan.Zero)
        {
            failures.Add(Format("{0}:MaxEventAge must be positive, e.g. 7.00:00:00 (was {1})", Section, options.MaxEventAge));
        }
        if (options.MaxClockSkew < TimeSpan.Zero)
        {
            failures.Add(Format("{0}:MaxClockSkew must not be negative (was {1})", Section, options.MaxClockSkew));
        }
        if (!double.IsFinite(options.MaxLatencyMs) || options.MaxLatencyMs <= 0)
        {
            failures.Add(Format("{0}:MaxLatencyMs must be a positive number of milliseconds, e.g. 3600000 (was {1})", Section, options.MaxLatencyMs));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AtLeastOne(List<string> failures, string key, int value)
    {
        if (value < 1)
        {
            failures.Add(Format("{0}:{1} must be at least 1 (was {2})", Section, key, value));
        }
    }

    private static string Format(string format, params object?[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
