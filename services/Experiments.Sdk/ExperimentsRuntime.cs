using System.Diagnostics;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk;

/// <summary>What the middleware and the interceptor share per request: who is served, and recording the request.</summary>
internal sealed class ExperimentsRuntime
{
    private readonly UnitIdSource _user;
    private readonly UnitIdSource? _session;
    private readonly UnitIdSource? _client;
    private readonly UnitGroupsSource? _groups;
    private readonly KeyValuePair<string, UnitIdSource>[] _attributes;
    private readonly bool _userOnly;
    private readonly DefinitionsStore _definitions;
    private readonly TelemetryBuffer _buffer;

    public ExperimentsRuntime(IOptions<ExperimentsOptions> options, DefinitionsStore definitions, TelemetryBuffer buffer)
    {
        var value = options.Value;
        _user = value.UserId;
        _session = value.SessionId;
        _client = value.ClientId;
        _groups = value.Groups;
        _attributes = [.. value.Attributes];
        _userOnly = _session is null && _groups is null && _attributes.Length == 0;
        _definitions = definitions;
        _buffer = buffer;
        TelemetryEnabled = !string.IsNullOrEmpty(value.IngestionAddress);
    }

    public bool TelemetryEnabled { get; }

    /// <summary>
    /// The unit this request serves (see <see cref="ServedUnit"/>): its user id string when that is all there is to
    /// know, a <see cref="UnitContext"/> otherwise, null when it carries no id at all.
    /// </summary>
    public object? UnitFor(HttpContext context)
    {
        var user = _user.Read(context);
        // A request id only when an experiment randomizes by request: it is the unit then, and costs a string.
        var byRequest = _definitions.Current.HasRequestUnit;
        if (_userOnly && !byRequest)
        {
            return user.Length == 0 ? null : user;
        }
        var session = _session?.Read(context) ?? "";
        var request = byRequest ? Guid.CreateVersion7().ToString() : "";
        if (user.Length == 0 && session.Length == 0 && request.Length == 0)
        {
            return null;
        }
        return new UnitContext
        {
            UserId = user,
            SessionId = session,
            RequestId = request,
            Groups = _groups?.Read(context) ?? [],
            Attributes = AttributesOf(context),
        };
    }

    public string ClientFor(HttpContext context) => _client?.Read(context) ?? "";

    public void RecordRequest(in ServedUnit unit, string apiName, string clientId, long startTimestamp, int statusCode, bool error)
    {
        var now = Stopwatch.GetTimestamp();
        _buffer.TryEnqueue(new TelemetryEvent
        {
            Kind = TelemetryKind.Request,
            Timestamp = now,
            ElapsedTimestamp = now - startTimestamp,
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            ApiName = apiName,
            ClientId = clientId,
            StatusCode = statusCode,
            Error = error,
        });
    }

    private IReadOnlyDictionary<string, string> AttributesOf(HttpContext context)
    {
        Dictionary<string, string>? attributes = null;
        foreach (var (name, source) in _attributes)
        {
            var value = source.Read(context);
            if (value.Length > 0)
            {
                (attributes ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
            }
        }
        return attributes ?? UnitContext.NoAttributes;
    }
}
