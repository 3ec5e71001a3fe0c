using Experiments.Sdk.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the Experiments SDK's middleware.</summary>
public static class ExperimentsApplicationBuilderExtensions
{
    /// <summary>
    /// Serves each HTTP request's unit to variant services and records the request (API name from the route
    /// template, latency, status, error, client id). Put it after <c>UseRouting</c> (so the route template is
    /// known; with minimal hosting the default order already does this) and after <c>UseAuthentication</c> when
    /// the unit id comes from a claim.
    /// </summary>
    public static IApplicationBuilder UseExperiments(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<ExperimentsMiddleware>();
    }
}
