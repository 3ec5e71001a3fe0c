using Experiments.Sdk.Evaluation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Runs an HTTP request that has a <see cref="CallScope"/> (a replay, or a sampled capture) with its scope on the flow;
/// for a capture, tees the request body (what the app reads) and the response body (what it writes, still streamed) up
/// to the exchange's cap, and records the exchange as the request ends. Exceptions are rethrown, never swallowed.
/// </summary>
internal static class HttpCapture
{
    public static async Task RunAsync(HttpContext context, CallScope scope, Func<HttpContext, Task> serve)
    {
        scope.Enter();
        try
        {
            if (scope.Capture is not { } recorder)
            {
                await serve(context).ConfigureAwait(false);
                return;
            }
            await CaptureAsync(context, recorder, serve).ConfigureAwait(false);
        }
        finally
        {
            scope.Exit();
        }
    }

    private static async Task CaptureAsync(HttpContext context, ExchangeRecorder recorder, Func<HttpContext, Task> serve)
    {
        var cap = Math.Max(0, recorder.MaxBytes);
        var requestBody = context.Request.Body;
        var requestTee = new TeeStream(requestBody, cap, recorder);
        context.Request.Body = requestTee;
        var responseFeature = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var responseTee = new TeeStream(responseFeature.Stream, cap, recorder);
        var responseBody = new CapturingResponseBody(responseFeature, responseTee);
        context.Features.Set<IHttpResponseBodyFeature>(responseBody);
        var failed = false;
        try
        {
            await serve(context).ConfigureAwait(false);
            await responseBody.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            context.Request.Body = requestBody;
            context.Features.Set(responseFeature);
            recorder.AddBody(request: true, requestTee.Kept, requestTee.Total, requestTee.Cut, context.Request.ContentType, requestTee.FirstByteMs);
            recorder.AddBody(request: false, responseTee.Kept, responseTee.Total, responseTee.Cut, context.Response.ContentType, responseTee.FirstByteMs);
            // As the server answers a request whose handler threw before responding.
            recorder.CompleteHttp(context, failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode);
        }
    }
}
