using System.ComponentModel;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk;

/// <summary>
/// Where the groups of the unit being served come from, for experiments that target groups: a request header or
/// gRPC metadata entry holding a comma-separated list (repeated headers add up), every claim of a type of the
/// authenticated user, or a delegate. Read once per request. In configuration, write it as <c>header:NAME</c>,
/// <c>claim:TYPE</c> or <c>metadata:KEY</c>.
/// </summary>
[TypeConverter(typeof(UnitGroupsSourceConverter))]
public sealed class UnitGroupsSource
{
    private static readonly char[] Separators = [','];

    private readonly string _name;
    private readonly bool _claim;
    private readonly Func<HttpContext, IEnumerable<string>?>? _read;

    private UnitGroupsSource(string name, bool claim, Func<HttpContext, IEnumerable<string>?>? read)
    {
        _name = name;
        _claim = claim;
        _read = read;
    }

    /// <summary>A header with comma-separated groups, e.g. <c>x-groups: beta, staff</c>.</summary>
    public static UnitGroupsSource FromHeader(string headerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerName);
        return new UnitGroupsSource(headerName, claim: false, read: null);
    }

    /// <summary>A gRPC metadata entry with comma-separated groups (metadata travels as HTTP/2 headers).</summary>
    public static UnitGroupsSource FromGrpcMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new UnitGroupsSource(key.ToLowerInvariant(), claim: false, read: null);
    }

    /// <summary>Every claim of <paramref name="claimType"/> of the authenticated user, e.g. <c>groups</c> or a role claim.</summary>
    public static UnitGroupsSource FromClaim(string claimType)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimType);
        return new UnitGroupsSource(claimType, claim: true, read: null);
    }

    /// <summary>Whatever the delegate returns (null: none). It runs on every request: keep it cheap.</summary>
    public static UnitGroupsSource FromDelegate(Func<HttpContext, IEnumerable<string>?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new UnitGroupsSource("", claim: false, read);
    }

    /// <summary>Reads the configuration form, as <see cref="UnitIdSource.Parse"/> does.</summary>
    /// <exception cref="FormatException">The prefix is unknown or the name is empty.</exception>
    public static UnitGroupsSource Parse(string value)
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

    /// <summary>The groups of this request (trimmed, empty entries dropped), or an empty list.</summary>
    public IReadOnlyList<string> Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_read is not null)
        {
            return _read(context)?.Where(g => !string.IsNullOrEmpty(g)).ToArray() ?? [];
        }
        if (_claim)
        {
            return context.User.FindAll(_name).Select(c => c.Value).Where(v => v.Length > 0).ToArray();
        }
        var values = context.Request.Headers[_name];
        if (values.Count == 0)
        {
            return [];
        }
        var groups = new List<string>();
        foreach (var value in values)
        {
            if (value is not null)
            {
                groups.AddRange(value.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }
        return groups;
    }

    /// <inheritdoc />
    public override string ToString() => _read is not null ? "(delegate)" : (_claim ? "claim:" : "header:") + _name;
}
