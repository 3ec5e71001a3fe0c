namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Authentication settings, bound from the <c>Auth</c> configuration section. Defaults: enabled, no keys
/// (so every protected method refuses until keys are configured).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>When false every caller has every scope (for tests and trusted networks only).</summary>
    public bool Enabled { get; set; } = true;

    public IList<ApiKeyOptions> ApiKeys { get; } = [];
}

/// <summary>One API key: its secret, a name for logs and audit trails, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";

    public string Name { get; set; } = "";

    public IList<string> Scopes { get; } = [];
}
