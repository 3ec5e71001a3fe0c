using Experiments.Clients;
using Experiments.Ingestion.Tests.Support;
using Experiments.Tests.Shared;
using Grpc.Net.Client;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// The log lives in the one data-folder setting, <c>Data:Folder</c>, resolved against the content root, and one process at
/// a time owns it: a second ingestion process on the same folder is refused at start (one line, exit code 78) while the
/// first keeps serving and keeps every acknowledged event.
/// </summary>
public sealed class DataFolderTests : IDisposable
{
    private const int ExConfig = 78;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_second_process_on_the_same_data_folder_is_refused_and_the_first_keeps_its_events()
    {
        var folder = Path.Combine(_dir.Path, "ingestion");
        await using var first = await ServiceProcess.StartAsync("Experiments.Ingestion", "--Data:Folder=" + folder, "--Ingestion:Forwarding:Mode=None");
        using var channel = GrpcChannel.ForAddress(first.Address);
        var client = new Contracts.V1.Ingestion.IngestionClient(channel.WithApiKey("dev-local-key"));
        var before = await client.IngestBatchAsync(TestEvents.Requests(1, "first", 0, 50));
        Assert.Equal(50, before.AcceptedCount);

        var (exitCode, error, output) = await ServiceProcess.RunToExitAsync("Experiments.Ingestion", TimeSpan.FromSeconds(60),
            "--Data:Folder=" + folder, "--Ingestion:Forwarding:Mode=None");

        Assert.True(exitCode == ExConfig, $"exit code {exitCode}; stderr: {string.Join('\n', error)}; stdout: {string.Join('\n', output)}");
        var line = Assert.Single(error);
        Assert.Contains("Data:Folder", line, StringComparison.Ordinal);
        Assert.Contains(folder, line, StringComparison.Ordinal);
        Assert.Contains("in use by another process", line, StringComparison.Ordinal);

        // The first process still owns the log: the same events again are duplicates, so none was cut or lost.
        var again = await client.IngestBatchAsync(TestEvents.Requests(2, "first", 0, 50));
        Assert.Equal((0, 50), (again.AcceptedCount, again.DuplicateCount));
    }

    [Fact]
    public async Task A_relative_data_folder_is_resolved_against_the_content_root_not_the_binarys_folder()
    {
        var contentRoot = Path.Combine(_dir.Path, "app");
        Directory.CreateDirectory(contentRoot);
        await using (var service = await ServiceProcess.StartAsync("Experiments.Ingestion",
            "--contentRoot=" + contentRoot, "--Data:Folder=state/ingestion", "--Ingestion:Forwarding:Mode=None",
            // appsettings.json is read from the content root too, and this one has none: the key comes from here.
            "--Auth:ApiKeys:0:Key=relative-test-key", "--Auth:ApiKeys:0:Scopes:0=ingest"))
        {
            using var channel = GrpcChannel.ForAddress(service.Address);
            var client = new Contracts.V1.Ingestion.IngestionClient(channel.WithApiKey("relative-test-key"));
            Assert.Equal(3, (await client.IngestBatchAsync(TestEvents.Requests(1, "relative", 0, 3))).AcceptedCount);
        }

        Assert.True(Directory.Exists(Path.Combine(contentRoot, "state", "ingestion", "segments")), "no log under the content root");
        Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "state")), "a log under the binary's folder");
    }
}
