using System.Text;

namespace Experiments.Clients.Traffic;

/// <summary>
/// Where a capture says "a secret was here": a header value (or part of one) recorded as <see cref="Marker"/>.
/// Exports turn it into a variable the user fills in — Postman <c>{{authorization}}</c>, shell <c>$AUTHORIZATION</c>.
/// </summary>
public static class RedactedValues
{
    /// <summary>What the SDK records in place of a redacted value.</summary>
    public const string Marker = "{{redacted}}";

    /// <summary>Whether <paramref name="value"/> holds a redacted part.</summary>
    public static bool IsRedacted(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Contains(Marker, StringComparison.Ordinal);
    }

    /// <summary>The Postman variable standing for header <paramref name="headerName"/>: lower case, <c>_</c> for anything but letters and digits (<c>x-api-key</c> → <c>x_api_key</c>).</summary>
    public static string PostmanVariable(string headerName) => Identifier(headerName, upper: false);

    /// <summary>The environment variable standing for header <paramref name="headerName"/> in shell commands (<c>x-api-key</c> → <c>X_API_KEY</c>).</summary>
    public static string ShellVariable(string headerName) => Identifier(headerName, upper: true);

    private static string Identifier(string headerName, bool upper)
    {
        ArgumentNullException.ThrowIfNull(headerName);
        var builder = new StringBuilder(headerName.Length + 1);
        foreach (var c in headerName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? (upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)) : '_');
        }
        // A shell variable cannot start with a digit.
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, upper ? "H_" : "h_");
        }
        return builder.ToString();
    }
}
