namespace Experiments.ServiceDefaults.Auth;

/// <summary>The scopes an API key or JWT can carry (claim type <see cref="ClaimType"/>).</summary>
public static class Scopes
{
    public const string ClaimType = "scope";

    /// <summary>Define and change experiments.</summary>
    public const string Admin = "admin";

    /// <summary>Send telemetry.</summary>
    public const string Ingest = "ingest";

    /// <summary>Read assignments, definitions and verdicts.</summary>
    public const string Read = "read";
}
