using System.Security.Cryptography;
using System.Text;

namespace Experiments.Ingestion.Captures;

/// <summary>Which captures a read applies to; empty parts match everything. Start is inclusive, end exclusive.</summary>
internal sealed record CaptureQuery(
    string ServiceName,
    IReadOnlyList<string> ClientIds,
    IReadOnlyList<string> ApiNames,
    string UnitId,
    DateTimeOffset? From,
    DateTimeOffset? To)
{
    public static CaptureQuery All { get; } = new("", [], [], "", null, null);

    /// <summary>A short digest of the query, carried in page tokens so a token is only used with the filter that made it.</summary>
    public string Fingerprint()
    {
        var text = new StringBuilder()
            .Append(ServiceName).Append('\0')
            .AppendJoin('\u0001', ClientIds).Append('\0')
            .AppendJoin('\u0001', ApiNames).Append('\0')
            .Append(UnitId).Append('\0')
            .Append(From?.UtcTicks).Append('\0')
            .Append(To?.UtcTicks);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 8);
    }
}
