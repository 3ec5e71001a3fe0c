using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Experiments.Ingestion.Captures;

/// <summary>
/// Where a page of ListCaptures ended: the last exchange's (start, capture id), the position of keyset paging, plus the
/// fingerprint of the filter it belongs to. Opaque to clients (base64url).
/// </summary>
internal readonly record struct CapturePageToken(long StartTicks, string CaptureId, string Fingerprint)
{
    private const string Version = "c1";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', Version, StartTicks.ToString(CultureInfo.InvariantCulture), Fingerprint, CaptureId)));

    public static bool TryDecode(string token, out CapturePageToken decoded)
    {
        decoded = default;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }
        var parts = text.Split('\n', 4);
        if (parts.Length != 4 || parts[0] != Version || parts[3].Length == 0
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            return false;
        }
        decoded = new CapturePageToken(ticks, parts[3], parts[2]);
        return true;
    }
}
