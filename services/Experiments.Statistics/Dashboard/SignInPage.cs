using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// The sign-in page (Assets/signin.html), filled in on the server: the antiforgery token that stops another site from
/// signing a visitor in with its own key, where to go afterwards, and why the last attempt failed. Every value is
/// HTML-encoded; the page has no script.
/// </summary>
internal sealed class SignInPage(IAntiforgery antiforgery, DashboardOptions settings)
{
    public const string Path = "/signin";
    public const string ReturnUrlField = "ReturnUrl";
    public const string KeyField = "key";

    private static readonly string Template = Encoding.UTF8.GetString(DashboardAssets.Find("signin.html")!.Content);

    /// <summary>Writes the page with <paramref name="message"/> (or none); the caller has set the status code.</summary>
    public async Task WriteAsync(HttpContext context, string? message, string? returnUrl)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var page = Template
            .Replace("{{message}}", message is null ? "" : $"<p class=\"notice error\" role=\"alert\">{html.Encode(message)}</p>", StringComparison.Ordinal)
            .Replace("{{tokenField}}", html.Encode(tokens.FormFieldName), StringComparison.Ordinal)
            .Replace("{{token}}", html.Encode(tokens.RequestToken ?? ""), StringComparison.Ordinal)
            .Replace("{{returnUrlField}}", ReturnUrlField, StringComparison.Ordinal)
            .Replace("{{returnUrl}}", html.Encode(LocalOrRoot(returnUrl)), StringComparison.Ordinal)
            .Replace("{{keyField}}", KeyField, StringComparison.Ordinal)
            .Replace("{{provider}}", ProviderLink(LocalOrRoot(returnUrl)), StringComparison.Ordinal);
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(page, context.RequestAborted);
    }

    private string ProviderLink(string returnUrl)
    {
        var provider = settings.OpenIdConnect;
        if (!provider.Enabled)
        {
            return "";
        }
        var html = HtmlEncoder.Default;
        var href = DashboardOpenIdConnect.StartPath + QueryString.Create(ReturnUrlField, returnUrl);
        return $"<p class=\"provider\"><a class=\"button\" href=\"{html.Encode(href)}\">Sign in with {html.Encode(provider.DisplayName)}</a></p><p class=\"muted\">or with an API key:</p>";
    }

    /// <summary>A path on this dashboard, or "/": a sign-in must never bounce a visitor to another site.</summary>
    public static string LocalOrRoot(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/";
}
