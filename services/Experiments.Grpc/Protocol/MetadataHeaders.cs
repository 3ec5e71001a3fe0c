using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Experiments.Grpc.Protocol;

/// <summary>Converts between call metadata and HTTP/2 header fields (base64 for <c>-bin</c> keys).</summary>
internal static class MetadataHeaders
{
    public static Metadata FromHttp(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            AddValues(metadata, name, values);
        }
        return metadata;
    }

    public static Metadata FromHttp(HttpHeaders headers, bool skipReserved = true)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (skipReserved && GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                AddValue(metadata, name, value, skipInvalidBase64: true);
            }
        }
        return metadata;
    }

    public static void AddValues(Metadata metadata, string name, StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null)
            {
                AddValue(metadata, name, value, skipInvalidBase64: false);
            }
        }
    }

    /// <param name="skipInvalidBase64">
    /// The client skips a <c>-bin</c> value that is not base64 (a call's status must not be lost to a bad
    /// header); the server refuses such a request with INVALID_ARGUMENT.
    /// </param>
    private static void AddValue(Metadata metadata, string name, string value, bool skipInvalidBase64)
    {
        // HTTP allows header names and values that metadata does not (a proxy may add them): skip those
        // rather than fail the call.
        if (!Metadata.IsValidKey(name))
        {
            return;
        }
        if (name.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase))
        {
            // Several binary values of one key may arrive joined by commas.
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!skipInvalidBase64)
                {
                    metadata.Add(name, DecodeBase64(part));
                }
                else if (TryDecodeBase64(part) is { } bytes)
                {
                    metadata.Add(name, bytes);
                }
            }
            if (value.Length == 0)
            {
                metadata.Add(name, []);
            }
        }
        else if (Metadata.IsPrintableAscii(value))
        {
            metadata.Add(name, value);
        }
    }

    public static string ToHeaderValue(Metadata.Entry entry) =>
        entry.IsBinary ? EncodeBase64(entry.ValueBytes) : entry.Value;

    /// <summary>Unpadded base64, as the protocol recommends emitting.</summary>
    public static string EncodeBase64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>Accepts padded and unpadded base64, as the protocol requires.</summary>
    public static byte[] DecodeBase64(string value) =>
        TryDecodeBase64(value) ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "A -bin metadata value is not valid base64."));

    /// <summary>Decodes padded or unpadded base64; null when the value is not base64.</summary>
    public static byte[]? TryDecodeBase64(string value)
    {
        var padding = (4 - value.Length % 4) % 4;
        try
        {
            return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
