using Experiments.Cli.Tests.Traffic;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;

namespace Experiments.Cli.Tests.Unit.Traffic;

/// <summary>
/// The words of exported commands as a real POSIX shell (/bin/sh) splits and expands them: a `curl` and a `grpcurl`
/// on PATH print the arguments they were given, one per NUL, so quoting is judged by the shell itself.
/// </summary>
public sealed class ShellArgumentsTests : IDisposable
{
    private readonly string _bin = Path.Combine(Path.GetTempPath(), "exp-argv-" + Guid.NewGuid().ToString("N"));

    public ShellArgumentsTests()
    {
        Directory.CreateDirectory(_bin);
        foreach (var name in new[] { "curl", "grpcurl" })
        {
            var path = Path.Combine(_bin, name);
            File.WriteAllText(path, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n");
            // The shell runs it by name from PATH: it must be executable (these tests need a POSIX shell anyway).
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Fact]
    public async Task Curl_gets_every_recorded_value_verbatim_and_the_secret_from_its_variable()
    {
        var exchange = SampleExchanges.HttpPost("h:1");
        exchange.Path = "/v1/o'rders/$(id)?q=`x`&a=b c";

        var argv = await Arguments(CurlExport.Command(exchange, ExportTarget.Recorded), ("AUTHORIZATION", "Bearer x y"));

        Assert.Equal(
        [
            "--http2-prior-knowledge", "-X", "POST", "http://h:1/v1/o'rders/$(id)?q=`x`&a=b c",
            "-H", "content-type: application/json",
            "-H", "authorization: Bearer x y",
            "-H", "x-client-id: mobile-app",
            "-H", "it's a \"test\" $PATH".Insert(0, "x-trace-note: "),
            "--data-raw", SampleExchanges.TrickyBody,
        ], argv);
    }

    [Fact]
    public async Task A_partly_redacted_value_keeps_its_literal_parts_and_an_unset_variable_leaves_them_alone()
    {
        var exchange = SampleExchanges.GrpcClientStream("h:2");

        var argv = await Arguments(GrpcurlExport.Command(exchange, ExportTarget.Recorded));

        // -plaintext, the metadata grpcurl does not set itself, the messages one per line, the address and the method.
        Assert.Equal("-plaintext", argv[0]);
        Assert.Equal(["-H", "authorization: Bearer "], argv[1..3]);
        Assert.Equal("-d", argv[3]);
        Assert.Equal(2, argv[4].Split('\n').Length);
        Assert.Equal(["h:2", "experiments.v1.Ingestion/Ingest"], argv[5..]);
    }

    [Fact]
    public async Task A_head_request_uses_head_and_a_plain_get_has_no_method_flag()
    {
        var get = SampleExchanges.HttpGet("h:3");
        var head = SampleExchanges.HttpGet("h:3");
        head.HttpMethod = "HEAD";

        var getArgv = await Arguments(CurlExport.Command(get, ExportTarget.For(new Uri("https://t.example/base/"))), ("X_API_KEY", "k"));
        var headArgv = await Arguments(CurlExport.Command(head, ExportTarget.Recorded), ("X_API_KEY", "k"));

        Assert.Equal(["https://t.example/base/v1/portfolio/42?currency=EUR", "-H", "accept: application/json", "-H", "x-api-key: k"], getArgv);
        Assert.Equal(["--head", "http://h:3/v1/portfolio/42?currency=EUR"], headArgv[..2]);
    }

    private async Task<string[]> Arguments(string command, params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        environment["PATH"] = _bin + ":/usr/bin:/bin";
        var (code, stdout, stderr) = await ExternalProcess.RunAsync("/bin/sh", ["-c", command], environment, timeout: TimeSpan.FromSeconds(30));
        Assert.True(code == 0, stderr);
        return stdout.Split('\0')[..^1];
    }
}
