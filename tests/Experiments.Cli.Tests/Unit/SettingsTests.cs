using Experiments.Cli.Configuration;
using Experiments.Cli.Tests.Support;

namespace Experiments.Cli.Tests.Unit;

/// <summary>Where <c>exp</c> connects: option, then environment, then ./exp.yaml, then ~/.config/exp/config.yaml, then defaults.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "exp-settings-tests", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _environment = [];

    public SettingsTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "work"));
        Directory.CreateDirectory(Path.Combine(_directory, "home", ".config", "exp"));
    }

    [Fact]
    public void Without_any_source_the_local_defaults_apply_with_the_development_key_for_loopback_only()
    {
        var settings = Resolve();

        Assert.Equal(new Uri("http://127.0.0.1:5101"), settings.AssignmentUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5103"), settings.StatisticsUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Timeout);
        Assert.Null(settings.ApiKey);
        Assert.Equal("dev-local-key", settings.ApiKeyFor(new Uri("http://127.0.0.1:5101")));
        Assert.Equal("dev-local-key", settings.ApiKeyFor(new Uri("http://localhost:5101")));
        Assert.Null(settings.ApiKeyFor(new Uri("https://experiments.example.com")));
    }

    [Fact]
    public void Each_setting_comes_from_the_most_specific_source_that_has_it()
    {
        File.WriteAllText(Path.Combine(_directory, "home", ".config", "exp", "config.yaml"),
            "assignment_url: http://user-file:1\nstatistics_url: http://user-file:3\napi_key: user-key\ntimeout: 2m\n");
        File.WriteAllText(Path.Combine(_directory, "work", "exp.yaml"), "statistics-url: http://project-file:3\napiKey: project-key\n");
        _environment["EXP_API_KEY"] = "environment-key";

        var settings = Resolve(new GlobalOptionValues(null, null, null, "5s", null));

        Assert.Equal(new Uri("http://user-file:1"), settings.AssignmentUrl);
        Assert.Equal(new Uri("http://project-file:3"), settings.StatisticsUrl);
        Assert.Equal("environment-key", settings.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Timeout);
        Assert.Equal("option --timeout", settings.Sources["timeout"]);
        Assert.Equal("environment EXP_API_KEY", settings.Sources["api_key"]);
    }

    [Fact]
    public void Option_beats_environment()
    {
        _environment["EXP_ASSIGNMENT_URL"] = "http://from-environment:5101";

        var settings = Resolve(new GlobalOptionValues("http://from-option:5101", null, null, null, null));

        Assert.Equal(new Uri("http://from-option:5101"), settings.AssignmentUrl);
    }

    [Fact]
    public void An_explicit_config_file_replaces_the_others_and_must_exist()
    {
        File.WriteAllText(Path.Combine(_directory, "work", "exp.yaml"), "api_key: project-key\n");
        File.WriteAllText(Path.Combine(_directory, "other.yaml"), "assignment_url: https://other:443\n");

        var settings = Resolve(new GlobalOptionValues(null, null, null, null, "../other.yaml"));

        Assert.Equal(new Uri("https://other:443"), settings.AssignmentUrl);
        Assert.Null(settings.ApiKey);
        Assert.Throws<CliUsageException>(() => Resolve(new GlobalOptionValues(null, null, null, null, "missing.yaml")));
    }

    [Theory]
    [InlineData("api_kee: x\n", "unknown setting 'api_kee'")]
    [InlineData("assignment_url: ftp://nope\n", "not an http:// or https:// address")]
    [InlineData("timeout: soon\n", "not a positive duration")]
    public void Bad_config_files_are_usage_errors(string text, string message)
    {
        File.WriteAllText(Path.Combine(_directory, "work", "exp.yaml"), text);

        var error = Assert.Throws<CliUsageException>(() => Resolve());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_key_reaches_the_server_as_a_bearer_token()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Environment["EXP_API_KEY"] = "secret-key";
        cli.Admin.Add(Samples.Experiment("engine-v2"));

        var result = await cli.RunAsync("show", "engine-v2");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Bearer secret-key"], cli.Admin.Authorizations);
        Assert.Equal([new Uri(CliHarness.AssignmentUrl)], cli.Connections);
    }

    [Fact]
    public async Task Config_command_shows_settings_and_their_sources_with_the_key_masked()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Environment["EXP_API_KEY"] = "secret-key-123";

        var result = await cli.RunAsync("config");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"assignment_url\s+http://assignment.test:5101/\s+option --assignment-url", result.Stdout);
        Assert.Matches(@"api_key\s+se\*+23\s+environment EXP_API_KEY", result.Stdout);
        Assert.DoesNotContain("secret-key-123", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private CliSettings Resolve(GlobalOptionValues? options = null) => CliSettingsResolver.Resolve(
        new CliHost
        {
            Console = Spectre.Console.AnsiConsole.Console,
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            GetEnvironmentVariable = name => _environment.GetValueOrDefault(name),
            WorkingDirectory = Path.Combine(_directory, "work"),
            HomeDirectory = Path.Combine(_directory, "home"),
        },
        options ?? new GlobalOptionValues(null, null, null, null, null));
}
