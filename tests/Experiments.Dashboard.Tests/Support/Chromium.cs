namespace Experiments.Dashboard.Tests.Support;

/// <summary>The system's Chromium (Debian packages chromium and chromium-driver); Playwright never downloads one here.</summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run",
    ];

    public static bool Installed => File.Exists(ExecutablePath);
}

/// <summary>A fact that reports itself skipped, with the reason, when Chromium is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Chromium.Installed)
        {
            Skip = $"Chromium is not installed at {Chromium.ExecutablePath} (apt-get install chromium chromium-driver; .ci/run does): browser tests need a real headless Chromium.";
        }
    }
}
