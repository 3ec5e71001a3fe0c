using Experiments.Testing.V1;
using Grpc.Core;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// experiments.testing.v1.EchoService as a market-data source: ExpandEcho sends <c>count</c> responses whose message is
/// the source time of a price priced <c>delay_ms</c> milliseconds before it is sent (ISO 8601), so each message arrives
/// that much stale; Echo answers "ok" (or fails with the request's error).
/// </summary>
internal sealed class StampedEchoService : EchoService.EchoServiceBase
{
    public static DateTimeOffset SourceTimeOf(EchoResponse response) => DateTimeOffset.Parse(response.Message, System.Globalization.CultureInfo.InvariantCulture);

    public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        if (request.Error is { Code: not 0 } error)
        {
            throw new RpcException(new Status((StatusCode)error.Code, error.Message));
        }
        return Task.FromResult(new EchoResponse { Message = "ok" });
    }

    public override async Task ExpandEcho(EchoRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            var priced = DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(request.DelayMs);
            await responseStream.WriteAsync(new EchoResponse { Message = priced.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
        }
    }
}
