using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

internal sealed class CaptureOptionsValidator : IValidateOptions<CaptureOptions>
{
    public ValidateOptionsResult Validate(string? name, CaptureOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAge <= TimeSpan.Zero)
        {
            failures.Add("Ingestion:Captures:MaxAge must be positive.");
        }
        if (options.MaxBytes <= 0)
        {
            failures.Add("Ingestion:Captures:MaxBytes must be positive.");
        }
        if (options.RetentionInterval <= TimeSpan.Zero)
        {
            failures.Add("Ingestion:Captures:RetentionInterval must be positive.");
        }
        if (options.MaxExchangeBytes <= 0 || options.MaxRequestBytes <= 0 || options.MaxExchangesPerRequest <= 0 || options.MaxIdLength <= 0)
        {
            failures.Add("Ingestion:Captures:MaxExchangeBytes, MaxRequestBytes, MaxExchangesPerRequest and MaxIdLength must be positive.");
        }
        if (options.MaxReportExchanges <= 0 || options.MaxPageBytes <= 0)
        {
            failures.Add("Ingestion:Captures:MaxReportExchanges and MaxPageBytes must be positive.");
        }
        if (options.MaxExchangeBytes > options.MaxBytes)
        {
            failures.Add("Ingestion:Captures:MaxExchangeBytes must not exceed MaxBytes: one exchange could not be kept.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
