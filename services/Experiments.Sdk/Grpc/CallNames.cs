namespace Experiments.Sdk.Grpc;

/// <summary>
/// The API names one gRPC method is recorded under (see experiments.v1.RequestEvent.api_name): the whole call, and for
/// a stream its first message, each message's staleness and the custom metric counting its messages.
/// </summary>
internal sealed class CallNames
{
    public CallNames(string api)
    {
        Call = api;
        FirstMessage = api + "#first-message";
        Staleness = api + "#staleness";
        Messages = api + "#messages";
    }

    public string Call { get; }

    public string FirstMessage { get; }

    public string Staleness { get; }

    public string Messages { get; }
}
