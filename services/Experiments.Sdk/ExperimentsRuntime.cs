using System.Diagnostics;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
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
    private readonly DefinitionsStore _definitions;
    private readonly TelemetryBuffer _buffer;

    public ExperimentsRuntime(IOptions<ExperimentsOptions> options, DefinitionsStore definitions, TelemetryBuffer buffer)
    {
        var value = options.Value;
        _user = value.UserId;
        _session = value.SessionId;
        _client = value.ClientId;
        _definitions = definitions;
        _buffer = buffer;
        TelemetryEnabled = !string.IsNullOrEmpty(value.IngestionAddress);
    }

    public bool TelemetryEnabled { get; }

    /// <summary>The unit this request serves, or null when it carries no id at all.</summary>
    public UnitContext? UnitFor(HttpContext context)
    {
        var user = _user.Read(context);
        var session = _session?.Read(context) ?? "";
        // A request id only when an experiment randomizes by request: it is the unit then, and costs a string.
        var request = _definitions.Current.HasRequestUnit ? Guid.CreateVersion7().ToString() : "";
        if (user.Length == 0 && session.Length == 0 && request.Length == 0)
        {
            return null;
        }
        return new UnitContext { UserId = user, SessionId = session, RequestId = request };
    }

    public string ClientFor(HttpContext context) => _client?.Read(context) ?? "";

    public void RecordRequest(UnitContext unit, string apiName, string clientId, long startTimestamp, int statusCode, bool error)
    {
        var elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        _buffer.TryEnqueue(new TelemetryEvent
        {
            Kind = TelemetryKind.Request,
            EventTimeTicks = DateTime.UtcNow.Ticks,
            ElapsedTimestamp = elapsed,
            UserId = unit.UserId,
            SessionId = unit.SessionId,
            RequestId = unit.RequestId,
            ApiName = apiName,
            ClientId = clientId,
            StatusCode = statusCode,
            Error = error,
        });
    }
}
