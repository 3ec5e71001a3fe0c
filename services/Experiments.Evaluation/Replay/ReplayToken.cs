using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Experiments.Evaluation.Replay;

/// <summary>
/// The proof that a request is a replay (<c>exp replay</c>) allowed to choose its variants. A replayed request carries
/// <see cref="VariantHeader"/> (<c>flag=variant</c>, several separated by commas) and <see cref="TokenHeader"/>, a token
/// signed with the key the backend's SDK is configured with (Experiments:Replay:Key). The token binds the exact variant
/// header value and an expiry: <c>v1.{unix seconds}.{base64url HMAC-SHA256(key, "v1.{unix seconds}.{variants}")}</c>,
/// so it cannot force other variants or be reused once expired.
/// </summary>
public static class ReplayToken
{
    /// <summary>Header (gRPC metadata key) naming the forced variants, e.g. <c>order-routing=new-router</c>.</summary>
    public const string VariantHeader = "x-experiments-replay-variant";

    /// <summary>Header (gRPC metadata key) carrying the signed token.</summary>
    public const string TokenHeader = "x-experiments-replay-token";

    private const string Version = "v1";

    /// <summary>A token for <paramref name="variants"/> (the exact header value) valid until <paramref name="expires"/>.</summary>
    public static string Create(ReadOnlySpan<byte> key, string variants, DateTimeOffset expires)
    {
        var seconds = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return Version + "." + seconds + "." + Base64Url(Sign(key, seconds, variants));
    }

    /// <summary>Whether <paramref name="token"/> was signed with <paramref name="key"/> for exactly <paramref name="variants"/> and has not expired.</summary>
    public static bool Verify(ReadOnlySpan<byte> key, string variants, string? token, DateTimeOffset now)
    {
        if (key.IsEmpty || string.IsNullOrEmpty(token))
        {
            return false;
        }
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Version
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds < now.ToUnixTimeSeconds())
        {
            return false;
        }
        byte[] signature;
        try
        {
            signature = FromBase64Url(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(signature, Sign(key, parts[1], variants));
    }

    /// <summary>The forced variants of a header value (<c>flag=variant,flag2=variant2</c>); null when it is malformed.</summary>
    public static IReadOnlyDictionary<string, string>? ParseVariants(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        var variants = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1 || !variants.TryAdd(pair[..equals].Trim(), pair[(equals + 1)..].Trim()))
            {
                return null;
            }
        }
        return variants.Count == 0 ? null : variants;
    }

    private static byte[] Sign(ReadOnlySpan<byte> key, string seconds, string variants) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Version + "." + seconds + "." + variants));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
