using Experiments.Contracts.V1;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Http;
using Experiments.Sdk.Replay;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// Opens a <see cref="CallScope"/> for the inbound calls that need one: a verified replay (which is then never captured
/// nor reported), or a call sampled for capture. Null — the usual answer — costs a header lookup and, with capture on,
/// a random draw.
/// </summary>
internal sealed class CallScopes(ReplayGate replay, Capturer capturer, ExperimentsRuntime runtime, ApiNames apiNames)
{
    public const string Unary = "UNARY";
    public const string ClientStreaming = "CLIENT_STREAMING";
    public const string ServerStreaming = "SERVER_STREAMING";
    public const string DuplexStreaming = "DUPLEX_STREAMING";

    public CallScope? ForGrpc(ServerCallContext context, string callType)
    {
        var http = context.GetHttpContext();
        if (replay.Check(http.Request) is { } forced)
        {
            return new CallScope(forced, capture: null);
        }
        // context.Method is "/package.Service/Method"; the API name drops the slash.
        if (!capturer.Enabled || !capturer.Samples(context.Method.AsSpan(1)))
        {
            return null;
        }
        var client = runtime.ClientFor(http);
        return capturer.Allows(client)
            ? new CallScope(forced: null, capturer.Start(http, CaptureProtocol.Grpc, context.Method[1..], client, callType))
            : null;
    }

    public CallScope? ForHttp(HttpContext context)
    {
        if (replay.Check(context.Request) is { } forced)
        {
            return new CallScope(forced, capture: null);
        }
        if (!capturer.Enabled)
        {
            return null;
        }
        var api = apiNames.For(context);
        if (!capturer.Samples(api))
        {
            return null;
        }
        var client = runtime.ClientFor(context);
        return capturer.Allows(client) ? new CallScope(forced: null, capturer.Start(context, CaptureProtocol.Http, api, client)) : null;
    }
}
