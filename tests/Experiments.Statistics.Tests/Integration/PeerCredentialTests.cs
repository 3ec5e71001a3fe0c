using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// A peer refusing our key is a configuration error to fix, not an outage to wait out: the log says so, naming the
/// setting and the scope it needs.
/// </summary>
public sealed class PeerCredentialTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync();
        _assignment.RequiredAuthorization = "Bearer the-right-key";
    }

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task An_assignment_service_refusing_the_key_is_logged_as_a_configuration_error_naming_the_setting()
    {
        var logs = new CapturedLogs();
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:AssignmentApiKey"] = "a-wrong-key",
        });
        host.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(logs));
        _ = host.Channel;

        await IntakeTests.WaitUntilAsync(() => logs.Lines.Any(l => l.Message.StartsWith("Configuration error", StringComparison.Ordinal)), TimeSpan.FromSeconds(20));

        var line = logs.Lines.First(l => l.Message.StartsWith("Configuration error", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains("Statistics:AssignmentApiKey", line.Message, StringComparison.Ordinal);
        Assert.Contains("'read' scope", line.Message, StringComparison.Ordinal);
        Assert.Contains("PermissionDenied", line.Message, StringComparison.Ordinal);
    }
}
