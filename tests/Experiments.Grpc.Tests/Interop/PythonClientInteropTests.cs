using Experiments.Tests.Shared;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>grpcio's Python client, a real peer, runs the interop cases against our server on a loopback socket.</summary>
public sealed class PythonClientInteropTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    [Theory]
    [InlineData("empty_unary")]
    [InlineData("large_unary")]
    [InlineData("client_streaming")]
    [InlineData("server_streaming")]
    [InlineData("ping_pong")]
    [InlineData("empty_stream")]
    [InlineData("custom_metadata")]
    [InlineData("status_code_and_message")]
    [InlineData("special_status_message")]
    [InlineData("unimplemented_method")]
    [InlineData("unimplemented_service")]
    [InlineData("cancel_after_begin")]
    [InlineData("cancel_after_first_response")]
    [InlineData("timeout_on_sleeping_server")]
    [InlineData("client_compressed_unary")]
    [InlineData("server_compressed_unary")]
    [InlineData("client_compressed_streaming")]
    [InlineData("server_compressed_streaming")]
    public async Task Python_client_passes_interop_case_against_our_server(string interopCase)
    {
        var (exitCode, output) = await Python.RunAsync("interop_client.py", TimeSpan.FromSeconds(60), Python.ProtosRoot, server.Target, interopCase);
        Assert.True(exitCode == 0, output);
    }
}
