using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// Opaque page tokens: base64url of the position of the last item returned and of the filters the token was
/// issued for, so a token used with other filters is refused rather than silently skipping items.
/// </summary>
internal static class PageTokens
{
    public static string Encode(params string[] parts) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)));

    /// <summary>The token's parts; throws <see cref="InvalidDefinitionException"/> when it is not one of ours.</summary>
    public static string[] Decode(string token, int parts, string kind)
    {
        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('\u001f');
            if (decoded.Length == parts && decoded[0] == kind)
            {
                return decoded;
            }
        }
        catch (FormatException)
        {
        }
        throw new InvalidDefinitionException("page_token", "is not a token returned by this method");
    }

    public static long ParseLong(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new InvalidDefinitionException("page_token", "is not a token returned by this method");
}
