using System.Text;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Redacts parameters of a query string or an <c>application/x-www-form-urlencoded</c> body whose (decoded) name is a
/// one-segment field path: the value becomes <see cref="Redactor.Redacted"/>; everything else is kept as sent.
/// </summary>
internal static class QueryRedaction
{
    /// <summary><paramref name="text"/> (without a leading <c>?</c>) with the named parameters' values redacted.</summary>
    public static string Redact(string text, IReadOnlySet<string> names, string direction, ISet<string> redactions)
    {
        if (names.Count == 0 || text.Length == 0)
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        foreach (var pair in text.Split('&'))
        {
            if (result.Length > 0)
            {
                result.Append('&');
            }
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            if (names.Contains(name))
            {
                result.Append(equals < 0 ? pair : pair[..equals]).Append('=').Append(Redactor.Redacted);
                redactions.Add(direction + ":" + name);
            }
            else
            {
                result.Append(pair);
            }
        }
        return result.ToString();
    }
}
