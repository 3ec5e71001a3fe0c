using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// The exported grpcurl commands run by a real shell against a real grpc-dotnet server on loopback. grpcurl is not
/// installable here: a `grpcurl` on PATH hands the arguments, as the shell parsed them, to a grpcio client
/// (tests/python/grpcurl_equivalent.py) that reads -plaintext, -H, -d, the address and the method as grpcurl does.
/// The server must receive the recorded messages and the secret from the environment.
/// </summary>
public sealed class GrpcurlExportTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;
    private string _shims = null!;

    private ReceivedCalls Received => _server.Services.GetRequiredService<ReceivedCalls>();

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync(
            services => services.AddSingleton<ReceivedCalls>(),
            app =>
            {
                app.MapGrpcService<RecordingExperimentAdmin>();
                app.MapGrpcService<RecordingIngestion>();
            },
            loopback: true);
        _shims = Path.Combine(Path.GetTempPath(), "exp-grpcurl-shim-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_shims);
        var shim = Path.Combine(_shims, "grpcurl");
        await File.WriteAllTextAsync(shim, $"#!/bin/sh\nexec {ExternalProcess.Python} '{ExternalProcess.PythonScript("grpcurl_equivalent.py")}' \"$@\"\n");
        // The shell runs it by name from PATH: it must be executable (these tests need a POSIX shell anyway).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_shims, recursive: true);
    }

    [Fact]
    public async Task A_unary_call_arrives_with_the_recorded_message_its_metadata_and_the_secret_from_the_environment()
    {
        var exchange = SampleExchanges.GrpcUnary(authority: "recorded-host:5101");
        var command = GrpcurlExport.Command(exchange, ExportTarget.For(new Uri(_server.Address!)));

        var (code, stdout, stderr) = await Shell(command, "Bearer u-token 'quoted' $x");

        Assert.True(code == 0, stdout + stderr);
        var call = Assert.Single(Received.Calls);
        Assert.Equal("CreateExperiment", call.Method);
        Assert.Equal(SampleExchanges.CreateRequest(), Assert.Single(call.Messages));
        Assert.Equal("Bearer u-token 'quoted' $x", call.Headers.GetValue("authorization"));
        Assert.Equal("ops-tool", call.Headers.GetValue("x-client-id"));
        Assert.Equal(new byte[] { 0, 1, 2, 250, 255 }, call.Headers.GetValueBytes("x-trace-bin"));
        // The response came back through the peer, as grpcurl prints it.
        Assert.Contains("\"flagKey\": \"order-routing\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_stream_sends_every_recorded_message_in_order()
    {
        var exchange = SampleExchanges.GrpcClientStream(authority: new Uri(_server.Address!).Authority);
        // No target: the recorded authority.
        var script = GrpcurlExport.Script([SampleExchanges.HttpGet(), exchange], ExportTarget.Recorded);

        var (code, stdout, stderr) = await Shell(script, "s-token");

        Assert.True(code == 0, stdout + stderr);
        var call = Assert.Single(Received.Calls);
        Assert.Equal("Ingest", call.Method);
        Assert.Equal(SampleExchanges.Batches(), call.Messages.Cast<EventBatch>());
        Assert.Equal("Bearer s-token", call.Headers.GetValue("authorization"));
    }

    private Task<(int, string, string)> Shell(string script, string authorization) =>
        ExternalProcess.RunAsync("/bin/sh", ["-c", "set -e\n" + script], new Dictionary<string, string>
        {
            ["PATH"] = _shims + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["AUTHORIZATION"] = authorization,
            ["EXP_PROTOS_ROOT"] = Path.Combine(ExternalProcess.RepositoryRoot, "protos"),
        }, timeout: TimeSpan.FromSeconds(90));
}
