using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Experiments.Demo.Trading;

/// <summary>How the demo's apps log.</summary>
internal static class DemoLogging
{
    /// <summary>
    /// Warnings and errors only, whatever the configuration's log levels say (inside the launcher, its appsettings.json
    /// asks for Information): a console rule of the provider's own wins over every configured category.
    /// </summary>
    public static void Quiet(ILoggingBuilder logging) =>
        logging.AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
}
