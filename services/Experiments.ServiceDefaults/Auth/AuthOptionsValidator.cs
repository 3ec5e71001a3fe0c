using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Refuses at start what would otherwise fail on every call: an API key without a secret, a scope that does not
/// exist (a typo would silently refuse the calls that need the real one), a JWT signing key too short for HMAC-SHA256.
/// </summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var path = string.Create(CultureInfo.InvariantCulture, $"Auth:ApiKeys:{i}");
            if (key.Key.Length == 0)
            {
                failures.Add($"{path}:Key is empty: give the key a secret or remove the entry");
            }
            for (var s = 0; s < key.Scopes.Count; s++)
            {
                // An empty entry is how a command line or test clears an inherited scope.
                if (key.Scopes[s].Length > 0 && !Scopes.All.Contains(key.Scopes[s], StringComparer.Ordinal))
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{path}:Scopes:{s} '{key.Scopes[s]}' is not a scope: use {string.Join(", ", Scopes.All)}"));
                }
            }
        }
        if (!string.IsNullOrEmpty(options.Jwt.SigningKey) && Encoding.UTF8.GetByteCount(options.Jwt.SigningKey) < 32)
        {
            failures.Add("Auth:Jwt:SigningKey is shorter than 32 bytes (HMAC-SHA256 needs 256 bits): use a longer random key");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
