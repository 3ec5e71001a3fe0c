using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Configuration;

/// <summary>
/// Configuration errors end a service with one line on standard error and exit code <see cref="ExitCode"/>, never a
/// stack trace: an operator has a setting to fix, not a bug to report. Options registered with ValidateOnStart are
/// checked before the host starts (<c>MapServiceDefaults</c>), so the host never logs them as a failed start.
/// </summary>
public static class ConfigurationErrors
{
    /// <summary>Exit code of a configuration error: EX_CONFIG of sysexits(3).</summary>
    public const int ExitCode = 78;

    private static int s_installed;

    /// <summary>
    /// The one-line description of <paramref name="exception"/> when it (or every exception it wraps) is a
    /// configuration error, or null when it is something else.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        var problems = new List<string>();
        return Collect(exception, problems) && problems.Count > 0 ? string.Join("; ", problems) : null;
    }

    /// <summary>
    /// Makes a configuration error that escapes <c>Main</c> print one line and exit with <see cref="ExitCode"/>;
    /// any other unhandled exception keeps the runtime's report.
    /// </summary>
    internal static void ExitOnUnhandled(string applicationName)
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 1)
        {
            return;
        }
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is Exception exception && Describe(exception) is { } line)
            {
                Console.Error.WriteLine($"{applicationName}: configuration error: {line}");
                Console.Error.Flush();
                Environment.Exit(ExitCode);
            }
        };
    }

    private static bool Collect(Exception exception, List<string> problems)
    {
        switch (exception)
        {
            case OptionsValidationException invalid:
                problems.AddRange(invalid.Failures.Any() ? invalid.Failures : [invalid.Message]);
                return true;
            case ConfigurationException configuration:
                problems.Add(configuration.Message);
                return true;
            case AggregateException aggregate:
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(inner => Collect(inner, problems));
            case System.Reflection.TargetInvocationException { InnerException: { } inner }:
                return Collect(inner, problems);
            default:
                return false;
        }
    }
}
