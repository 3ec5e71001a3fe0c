using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Experiments.Demo.Tests.Readme;

/// <summary>
/// Issue #15 item 5: README.md's bash blocks, run in order as a new user pastes them, against the launcher on its
/// default ports. What this machine cannot do is replaced, and only that: the first block's two commands are this
/// very run (the launcher is started here with <c>demo --duration 20s</c> and a data folder of its own instead of
/// <c>./data</c>; <c>bash .ci/run</c> is the test run), <c>dapr</c> is not installable (a stand-in says so and
/// succeeds), grpcurl is not installable (tests/python/grpcurl_equivalent.py stands in, asking the server by
/// reflection as grpcurl does), commands that stream until stopped (<c>exp watch</c>, WatchVerdicts) are stopped after
/// 8 s, <c>~/.local</c> is a fresh folder (as on a fresh machine), <c>exp</c> is the built CLI until the README
/// installs its own, the status test of <c>--exit-code</c> keeps its exit code out of the failure check, and the
/// replay key the demo makes is filled in where README writes <c>…</c>. The blocks run at the repository's root, as
/// README says, and the files they write there are removed afterwards. Any other command that exits non-zero fails.
/// </summary>
[Collection(nameof(LauncherDemoTests))]
public sealed partial class ReadmeWalkTests
{
    private static readonly TimeSpan BlockLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Readme_command_blocks_run_in_order_against_the_launcher()
    {
        var repository = RepositoryRoot();
        var blocks = ReadmeBlock.Parse(await File.ReadAllTextAsync(Path.Combine(repository, "README.md")));
        Assert.True(blocks.Count >= 5, $"README.md has {blocks.Count} bash blocks");
        Assert.Contains("dotnet run --project services/Experiments.Launcher -- demo", blocks[0].Text, StringComparison.Ordinal);

        var walk = Directory.CreateTempSubdirectory("readme-walk-").FullName;
        var replayKey = "readme-walk-" + Guid.NewGuid().ToString("N");
        var before = Directory.EnumerateFileSystemEntries(repository).ToHashSet();
        try
        {
            var bin = StandIns(walk, repository);
            await using var launcher = await LauncherProcess.StartAsync(repository, Path.Combine(walk, "data"), replayKey);
            var failures = new List<string>();
            var transcript = new StringBuilder(launcher.Output);
            foreach (var block in blocks.Skip(1))
            {
                var (exitCode, output) = await RunBlockAsync(block, walk, bin, repository, replayKey);
                transcript.AppendLine($"---- README.md line {block.Line}, exit {exitCode}").AppendLine(output);
                foreach (Match failed in FailedMarker().Matches(output))
                {
                    failures.Add($"README.md block at line {block.Line}: {failed.Groups[1].Value}");
                }
                if (exitCode != 0 && !FailedMarker().IsMatch(output))
                {
                    failures.Add($"README.md block at line {block.Line} ended with exit code {exitCode}");
                }
            }
            Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n\n" + transcript);
        }
        finally
        {
            RemoveWrittenFiles(repository, before);
            Directory.Delete(walk, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunBlockAsync(ReadmeBlock block, string walk, string bin, string repository, string replayKey)
    {
        var script = new StringBuilder()
            .AppendLine("trap 'rc=$?; echo \"::failed:: line $((LINENO - 1)): $BASH_COMMAND (exit $rc)\"' ERR")
            .AppendLine(Adapt(block.Text, walk, replayKey))
            .ToString();
        var path = Path.Combine(walk, $"block-{block.Line}.sh");
        await File.WriteAllTextAsync(path, script);
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repository };
        start.ArgumentList.Add(path);
        start.Environment["PATH"] = string.Join(':', Path.Combine(walk, "home", ".local", "bin"), bin, Environment.GetEnvironmentVariable("PATH"));
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(BlockLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                output.AppendLine($"::failed:: the block did not finish within {BlockLimit.TotalMinutes} minutes");
            }
        }
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>The replacements the class summary lists, and nothing else.</summary>
    private static string Adapt(string block, string walk, string replayKey) => string.Join('\n', block
        .Replace("~/.local", Path.Combine(walk, "home", ".local"), StringComparison.Ordinal)
        .Replace("--exit-code; case $? in", "--exit-code && rc=0 || rc=$?; case $rc in", StringComparison.Ordinal)
        .Replace("EXP_REPLAY_KEY=…", "EXP_REPLAY_KEY=" + replayKey, StringComparison.Ordinal)
        .Split('\n').Select(line => WatchLine().Replace(line, "timeout 8 exp watch $1 || [ $? -eq 124 ]$2")));

    /// <summary>
    /// The files README's commands write in the folder they run in (exports, scripts) are removed afterwards: the
    /// top-level entries of the repository that were not there before the walk.
    /// </summary>
    private static void RemoveWrittenFiles(string repository, HashSet<string> before)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(repository).Where(e => !before.Contains(e)))
        {
            if (File.Exists(entry))
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>Stand-ins on PATH for what this machine lacks: grpcurl, dapr, and `exp` before the README installs it.</summary>
    private static string StandIns(string walk, string repository)
    {
        var bin = Directory.CreateDirectory(Path.Combine(walk, "bin")).FullName;
        Directory.CreateDirectory(Path.Combine(walk, "home"));
        var grpcurl = Path.Combine(repository, "tests", "python", "grpcurl_equivalent.py");
        Write(bin, "grpcurl", $$"""
            #!/usr/bin/env bash
            for arg in "$@"; do
              case "$arg" in */Watch*) timeout 8 /usr/bin/python3 '{{grpcurl}}' "$@"; rc=$?; [ $rc -eq 124 ] && exit 0; exit $rc;; esac
            done
            exec /usr/bin/python3 '{{grpcurl}}' "$@"
            """);
        Write(bin, "dapr", """
            #!/usr/bin/env bash
            echo "dapr: not installable on this machine; skipped: dapr $*"
            """);
        var cli = Path.Combine(AppContext.BaseDirectory, "exp.dll");
        Write(bin, "exp", $$"""
            #!/usr/bin/env bash
            exec dotnet '{{cli}}' "$@"
            """);
        return bin;
    }

    private static void Write(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Experiments.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("The tests do not run inside the repository.");
    }

    [GeneratedRegex(@"^exp watch (\S+)(.*)$")]
    private static partial Regex WatchLine();

    [GeneratedRegex(@"::failed:: (.*)")]
    private static partial Regex FailedMarker();
}
