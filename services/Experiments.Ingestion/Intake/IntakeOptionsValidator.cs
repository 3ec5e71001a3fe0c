using System.Globalization;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Intake;

/// <summary>Refuses to start with request limits that would refuse every batch or stall every stream.</summary>
internal sealed class IntakeOptionsValidator : IValidateOptions<IntakeOptions>
{
    public ValidateOptionsResult Validate(string? name, IntakeOptions options)
    {
        var failures = new List<string>();
        if (options.MaxBatchEvents < 1)
        {
            failures.Add(Format("Ingestion:Intake:MaxBatchEvents must be at least 1 (was {0})", options.MaxBatchEvents));
        }
        if (options.MaxRejectionsPerResponse < 0)
        {
            failures.Add(Format("Ingestion:Intake:MaxRejectionsPerResponse must not be negative (was {0})", options.MaxRejectionsPerResponse));
        }
        if (options.MaxBatchesInFlightPerCall < 1)
        {
            failures.Add(Format("Ingestion:Intake:MaxBatchesInFlightPerCall must be at least 1 (was {0})", options.MaxBatchesInFlightPerCall));
        }
        if (options.MaxBatchesInFlight < 1)
        {
            failures.Add(Format("Ingestion:Intake:MaxBatchesInFlight must be at least 1 (was {0})", options.MaxBatchesInFlight));
        }
        if (options.GateRetryAfter <= TimeSpan.Zero)
        {
            failures.Add("Ingestion:Intake:GateRetryAfter must be positive");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Format(string format, params object?[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
