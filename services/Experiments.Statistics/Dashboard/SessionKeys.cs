using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Experiments.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Ties a dashboard session to the API key that opened it. The session cookie (an ASP.NET Core auth ticket, encrypted by
/// data protection) holds the key's name, scopes and a SHA-256 fingerprint — never the key — and each request checks the
/// fingerprint against <c>Auth:ApiKeys</c> as configured now, so removing a key or its read scope ends its sessions at once,
/// as does removing any other scope the session carries (e.g. capture).
/// </summary>
internal sealed class SessionKeys : IDisposable
{
    public const string FingerprintClaim = "dashboard-key";

    private readonly IDisposable? _subscription;
    private volatile FrozenReaders _readers;

    public SessionKeys(IOptionsMonitor<AuthOptions> options)
    {
        _readers = Build(options.CurrentValue);
        _subscription = options.OnChange(changed => _readers = Build(changed));
    }

    /// <summary>The session principal for a key's principal: same name and scopes, plus the key's fingerprint.</summary>
    public static ClaimsPrincipal SessionFor(ClaimsPrincipal keyPrincipal, string key)
    {
        var claims = keyPrincipal.Claims.Select(c => new Claim(c.Type, c.Value)).Append(new Claim(FingerprintClaim, Fingerprint(key)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    public Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var fingerprint = context.Principal?.FindFirst(FingerprintClaim)?.Value;
        // No fingerprint: the session came from OpenID Connect, which the identity provider vouches for until it expires.
        if (fingerprint is not null
            && (!_readers.Keys.TryGetValue(fingerprint, out var scopes)
                || context.Principal!.FindAll(Scopes.ClaimType).Any(c => !scopes.Contains(c.Value))))
        {
            context.RejectPrincipal();
        }
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    private static string Fingerprint(string key) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static FrozenReaders Build(AuthOptions options)
    {
        var scopes = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var key in options.ApiKeys.Where(k => k.Key.Length > 0 && k.Scopes.Contains(Scopes.Read, StringComparer.Ordinal)))
        {
            scopes[Fingerprint(key.Key)] = new HashSet<string>(key.Scopes, StringComparer.Ordinal);
        }
        return new FrozenReaders(scopes);
    }

    /// <summary>Each key with the read scope, by fingerprint, with the scopes it has now.</summary>
    private sealed record FrozenReaders(Dictionary<string, HashSet<string>> Keys);
}
