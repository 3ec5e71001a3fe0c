using Experiments.Contracts.V1;

namespace Experiments.Statistics.Dashboard;

internal sealed partial class DashboardEndpoints
{
    /// <summary>
    /// <c>{"report": TrafficReport, "note": …, "service": …, "since": …}</c>: GetTrafficReport's answer for
    /// <c>?service=NAME&amp;since=15m|1h|24h</c>, in the protobuf JSON mapping, or null and a note saying why there is none.
    /// </summary>
    private async Task TrafficAsync(HttpContext context)
    {
        var service = context.Request.Query["service"].ToString().Trim();
        var since = context.Request.Query["since"].ToString().Trim();
        if (since.Length == 0)
        {
            since = TrafficRange.Default;
        }
        if (!TrafficRange.TryParse(since, out var range, out var error))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteErrorAsync(context, error);
            return;
        }
        var (report, note) = await traffic.GetAsync(service, range, context.RequestAborted);
        string? json = null;
        if (report is not null)
        {
            try
            {
                json = Json.Format(report);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                DashboardLog.CannotShowTraffic(logger, exception);
                note = $"Traffic report unavailable: it could not be shown ({exception.Message}); the statistics service logged the details.";
            }
        }
        await WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("report");
            if (json is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            if (note is null)
            {
                writer.WriteNull("note");
            }
            else
            {
                writer.WriteString("note", note);
            }
            writer.WriteString("service", service);
            writer.WriteString("since", since);
            writer.WriteEndObject();
        });
    }
}
