namespace Experiments.ServiceDefaults.Configuration;

/// <summary>
/// A setting the service cannot start (or go on) with. <see cref="Setting"/> is the configuration key, e.g.
/// <c>Rest:Urls</c>; the message says what is wrong and what to do.
/// </summary>
public sealed class ConfigurationException(string setting, string message) : Exception(setting + ": " + message)
{
    public string Setting { get; } = setting;
}
