using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// The configured API keys, encoded once with the principal each one authenticates as; rebuilt when the
/// configuration changes. Authentication runs on every protected call, so none of this is redone per call.
/// </summary>
public sealed class ApiKeyRing : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile Entry[] _entries;

    public ApiKeyRing(IOptionsMonitor<AuthOptions> options)
    {
        _entries = Build(options.CurrentValue);
        _subscription = options.OnChange(changed => _entries = Build(changed));
    }

    /// <summary>The principal of the key presented, or null when no configured key matches.</summary>
    public ClaimsPrincipal? Find(string presented)
    {
        var length = Encoding.UTF8.GetMaxByteCount(presented.Length);
        Span<byte> buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        var bytes = buffer[..Encoding.UTF8.GetBytes(presented, buffer)];
        ClaimsPrincipal? found = null;
        // Every key is compared in fixed time, so response timing leaks neither which key nor how much matched.
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, entry.Key) && found is null)
            {
                found = entry.Principal;
            }
        }
        return found;
    }

    public void Dispose() => _subscription?.Dispose();

    private static Entry[] Build(AuthOptions options) =>
        [.. options.ApiKeys.Where(k => k.Key.Length > 0).Select(k => new Entry(Encoding.UTF8.GetBytes(k.Key), PrincipalOf(k)))];

    private static ClaimsPrincipal PrincipalOf(ApiKeyOptions key)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name.Length > 0 ? key.Name : "api-key") };
        claims.AddRange(key.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyAuthenticationHandler.SchemeName));
    }

    private sealed record Entry(byte[] Key, ClaimsPrincipal Principal);
}
