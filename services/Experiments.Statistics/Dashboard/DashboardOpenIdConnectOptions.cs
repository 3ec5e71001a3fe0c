namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Sign-in to the dashboard through an OpenID Connect identity provider (section <c>Dashboard:OpenIdConnect</c>), offered
/// beside API keys on the sign-in page. Off until <see cref="Authority"/> and <see cref="ClientId"/> are set. Defaults: the
/// authorization-code flow with PKCE, callback <c>/signin-oidc</c>, HTTPS metadata required, every user the provider
/// signs in may read unless <see cref="ReadClaimType"/> names a claim they must carry, and none may see the traffic page
/// (captured client traffic) unless <see cref="CaptureClaimType"/> names the claim that allows it.
/// </summary>
public sealed class DashboardOpenIdConnectOptions
{
    /// <summary>The provider's issuer, whose discovery document is fetched (e.g. <c>https://login.example.com/realms/ops</c>).</summary>
    public string Authority { get; set; } = "";

    /// <summary>The client registered at the provider for this dashboard, with redirect URI <c>http(s)://HOST:PORT/signin-oidc</c>.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client's secret, for a confidential client; empty for a public one (PKCE alone).</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Shown on the sign-in button: "Sign in with …".</summary>
    public string DisplayName { get; set; } = "your identity provider";

    /// <summary>When set, only users whose ID token carries this claim (with <see cref="ReadClaimValue"/>, when set) may read.</summary>
    public string ReadClaimType { get; set; } = "";

    /// <summary>The value <see cref="ReadClaimType"/> must have (one of several values of an array claim, e.g. a group).</summary>
    public string ReadClaimValue { get; set; } = "";

    /// <summary>When set, users whose ID token carries this claim (with <see cref="CaptureClaimValue"/>, when set) also get the capture scope.</summary>
    public string CaptureClaimType { get; set; } = "";

    /// <summary>The value <see cref="CaptureClaimType"/> must have (e.g. a group).</summary>
    public string CaptureClaimValue { get; set; } = "";

    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => Authority.Length > 0 && ClientId.Length > 0;
}
