namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Authentication settings, bound from the <c>Auth</c> configuration section. Defaults: enabled, no keys and no
/// JWT issuer (so every protected method refuses until keys or <see cref="Jwt"/> are configured).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>When false every caller has every scope (for tests and trusted networks only).</summary>
    public bool Enabled { get; set; } = true;

    public IList<ApiKeyOptions> ApiKeys { get; } = [];

    /// <summary>JWT bearer tokens accepted beside API keys; off until an authority or a signing key is set.</summary>
    public JwtOptions Jwt { get; } = new();
}

/// <summary>
/// JWT bearer validation. Scopes come from the token's <c>scope</c> claim (space-separated, RFC 8693) or
/// <c>scp</c>; the audit actor is its <c>sub</c>. Defaults: no authority, no key, HTTPS metadata required.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>OpenID Connect issuer whose discovery document and signing keys are fetched, e.g. https://login.example.com/.</summary>
    public string? Authority { get; set; }

    /// <summary>Expected <c>iss</c>; defaults to the authority's issuer.</summary>
    public string? Issuer { get; set; }

    /// <summary>Accepted <c>aud</c> values; empty means the audience is not checked.</summary>
    public IList<string> Audiences { get; } = [];

    /// <summary>A symmetric HMAC key (UTF-8, at least 32 bytes) for tokens minted without an authority (development, tests).</summary>
    public string? SigningKey { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(SigningKey);
}

/// <summary>One API key: its secret, a name for logs and audit trails, and its scopes.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";

    public string Name { get; set; } = "";

    public IList<string> Scopes { get; } = [];
}
