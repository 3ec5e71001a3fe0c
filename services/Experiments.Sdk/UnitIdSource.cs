using System.ComponentModel;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk;

/// <summary>
/// Where an id (user, session or client) or a targeting attribute of the request being served comes from: a request
/// header, a claim of the authenticated user, gRPC metadata, or a delegate. Read once per request. In configuration,
/// write it as <c>header:NAME</c>, <c>claim:TYPE</c> or <c>metadata:KEY</c> (see <see cref="Parse"/>).
/// </summary>
[TypeConverter(typeof(UnitIdSourceConverter))]
public sealed class UnitIdSource
{
    private readonly string _name;
    private readonly Func<HttpContext, string?>? _read;
    private readonly bool _claim;

    private UnitIdSource(string name, bool claim, Func<HttpContext, string?>? read)
    {
        _name = name;
        _claim = claim;
        _read = read;
    }

    /// <summary>The value of a request header, e.g. <c>x-user-id</c>.</summary>
    public static UnitIdSource FromHeader(string headerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerName);
        return new UnitIdSource(headerName, claim: false, read: null);
    }

    /// <summary>
    /// The value of a gRPC metadata entry, e.g. <c>x-user-id</c> (gRPC metadata travels as HTTP/2 headers, so
    /// it is read from the same place in the middleware and in the gRPC interceptor).
    /// </summary>
    public static UnitIdSource FromGrpcMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new UnitIdSource(key.ToLowerInvariant(), claim: false, read: null);
    }

    /// <summary>The value of a claim of the authenticated user, e.g. <c>sub</c>; put authentication before the SDK's middleware.</summary>
    public static UnitIdSource FromClaim(string claimType)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimType);
        return new UnitIdSource(claimType, claim: true, read: null);
    }

    /// <summary>Whatever the delegate returns (null or empty: no id). It runs on every request: keep it cheap.</summary>
    public static UnitIdSource FromDelegate(Func<HttpContext, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new UnitIdSource("", claim: false, read);
    }

    /// <summary>
    /// Reads the configuration form: <c>header:x-user-id</c>, <c>claim:sub</c> or <c>metadata:x-user-id</c> (the
    /// prefix is case-insensitive); a value without a prefix is a header name.
    /// </summary>
    /// <exception cref="FormatException">The prefix is unknown or the name is empty.</exception>
    public static UnitIdSource Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (kind, name) = SourceSyntax.Split(value);
        return kind switch
        {
            SourceSyntax.Kind.Header => FromHeader(name),
            SourceSyntax.Kind.Claim => FromClaim(name),
            _ => FromGrpcMetadata(name),
        };
    }

    /// <summary>The value for this request, or an empty string.</summary>
    public string Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_read is not null)
        {
            return _read(context) ?? "";
        }
        if (_claim)
        {
            return context.User.FindFirst(_name)?.Value ?? "";
        }
        // The last value of a repeated header, as gRPC metadata lookups do.
        var values = context.Request.Headers[_name];
        return values.Count switch
        {
            0 => "",
            1 => values[0] ?? "",
            _ => values[values.Count - 1] ?? "",
        };
    }

    /// <inheritdoc />
    public override string ToString() => _read is not null ? "(delegate)" : (_claim ? "claim:" : "header:") + _name;
}
