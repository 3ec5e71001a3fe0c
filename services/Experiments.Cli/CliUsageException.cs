namespace Experiments.Cli;

/// <summary>The user asked for something <c>exp</c> cannot do before talking to a server: exit code 1, message only.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
