namespace Experiments.Statistics.Tests.Support;

/// <summary>A fact that needs the real Dapr sidecar: skipped (and reported so) when <c>daprd</c> is not on PATH.</summary>
public sealed class DaprdFactAttribute : FactAttribute
{
    public DaprdFactAttribute()
    {
        if (Daprd.Path is null)
        {
            Skip = "daprd is not on PATH; this test needs a real Dapr sidecar";
        }
    }
}

internal static class Daprd
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "daprd"))
        .FirstOrDefault(File.Exists);
}
