using System.Diagnostics;
using Experiments.Assignment.Evaluation;
using Experiments.Contracts.V1;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Streams;
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
    private readonly ExperimentsMetrics _metrics;
    private readonly int _maxIdLength;

    public ExperimentsRuntime(IOptions<ExperimentsOptions> options, DefinitionsStore definitions, TelemetryBuffer buffer, ExperimentsMetrics metrics, StalenessSources staleness)
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
        _metrics = metrics;
        _maxIdLength = value.MaxIdLength;
        Staleness = staleness;
        StalenessClock = value.StalenessClock;
        TelemetryEnabled = !string.IsNullOrEmpty(value.IngestionAddress);
    }

    public bool TelemetryEnabled { get; }

    /// <summary>The source times registered for stream messages (<c>WithStaleness</c>).</summary>
    public StalenessSources Staleness { get; }

    /// <summary>The clock staleness is measured against.</summary>
    public TimeProvider StalenessClock { get; }

    /// <summary>
    /// The unit this request serves (see <see cref="ServedUnit"/>): its user id string when that is all there is to
    /// know, a <see cref="UnitContext"/> otherwise, null when it carries no id at all.
    /// </summary>
    public object? UnitFor(HttpContext context)
    {
        var user = Usable(_user.Read(context), IdKind.User);
        // A request id only when an experiment randomizes by request: it is the unit then, and costs a string.
        var byRequest = _definitions.Current.HasRequestUnit;
        if (_userOnly && !byRequest)
        {
            return user.Length == 0 ? null : user;
        }
        var session = _session is null ? "" : Usable(_session.Read(context), IdKind.Session);
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

    public string ClientFor(HttpContext context) => _client is null ? "" : Usable(_client.Read(context), IdKind.Client);

    /// <summary>A call the app served, from <paramref name="startTimestamp"/> until now.</summary>
    public void RecordRequest(in ServedUnit unit, string apiName, string clientId, long startTimestamp, int statusCode, bool error)
    {
        var now = Stopwatch.GetTimestamp();
        Record(unit, apiName, clientId, dependency: null, RequestMeasure.Call, now, now - startTimestamp, statusCode, error);
    }

    /// <summary>
    /// One measure of a call (a whole call, a stream's first message or a message's staleness), served by the app or made
    /// to <paramref name="dependency"/>, that took <paramref name="elapsed"/> Stopwatch ticks and ended now.
    /// </summary>
    public void Record(in ServedUnit unit, string apiName, string clientId, string? dependency, RequestMeasure measure, long elapsed, int statusCode, bool error) =>
        Record(unit, apiName, clientId, dependency, measure, Stopwatch.GetTimestamp(), elapsed, statusCode, error);

    /// <summary>A custom metric observation of the unit, e.g. the messages a stream delivered; none for a replayed request.</summary>
    public void RecordMetric(in ServedUnit unit, string metricName, double value)
    {
        if (Evaluation.CallScope.IsReplaying)
        {
            return;
        }
        _buffer.TryEnqueue(new TelemetryEvent
        {
            Kind = TelemetryKind.Metric,
            Timestamp = Stopwatch.GetTimestamp(),
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            ApiName = metricName,
            Value = value,
        });
    }

    /// <summary>An outbound call made outside any served unit: counted, not recorded.</summary>
    public void CountUnattributed() => _metrics.AddUnattributedCall();

    /// <summary>A message whose source time the app's selector failed to read: counted, not recorded.</summary>
    public void CountUnmeasurable() => _metrics.AddUnmeasurable();

    // A replayed request (and every call it makes to a dependency) is not reported: it would bias the live experiment.
    private void Record(in ServedUnit unit, string apiName, string clientId, string? dependency, RequestMeasure measure, long now, long elapsed, int statusCode, bool error)
    {
        if (Evaluation.CallScope.IsReplaying)
        {
            return;
        }
        _buffer.TryEnqueue(new TelemetryEvent
        {
            Kind = TelemetryKind.Request,
            Timestamp = now,
            ElapsedTimestamp = elapsed,
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            ApiName = apiName,
            ClientId = clientId,
            Dependency = dependency,
            Measure = measure,
            StatusCode = statusCode,
            Error = error,
        });
    }

    /// <summary><paramref name="id"/> when it can key a unit and travel in an event; otherwise empty, and counted.</summary>
    private string Usable(string id, IdKind kind)
    {
        var problem = IdCheck.Check(id, _maxIdLength);
        if (problem == IdProblem.None)
        {
            return id;
        }
        _metrics.AddDroppedId(kind, problem);
        return "";
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
