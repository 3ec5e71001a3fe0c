using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Exposures;

/// <summary>Refuses to start with exposure settings that would fail on the first Assign instead: a bad address, empty batches.</summary>
internal sealed class ExposureOptionsValidator : IValidateOptions<ExposureOptions>
{
    public ValidateOptionsResult Validate(string? name, ExposureOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.IngestionAddress)
            && (!Uri.TryCreate(options.IngestionAddress, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add(Format("Exposures:IngestionAddress must be an absolute http:// or https:// address, e.g. http://127.0.0.1:5102 (was '{0}')", options.IngestionAddress));
        }
        if (options.BufferCapacity < 1)
        {
            failures.Add(Format("Exposures:BufferCapacity must be at least 1 (was {0})", options.BufferCapacity));
        }
        if (options.MaxBatchSize < 1)
        {
            failures.Add(Format("Exposures:MaxBatchSize must be at least 1 (was {0})", options.MaxBatchSize));
        }
        if (options.FlushInterval <= TimeSpan.Zero)
        {
            failures.Add(Format("Exposures:FlushInterval must be positive, e.g. 00:00:01 (was {0})", options.FlushInterval));
        }
        if (options.CallTimeout <= TimeSpan.Zero)
        {
            failures.Add(Format("Exposures:CallTimeout must be positive, e.g. 00:00:10 (was {0})", options.CallTimeout));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Format(string format, params object?[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
