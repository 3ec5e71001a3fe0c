using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>gzip and deflate message compression both ways, and the NoCompress write flag.</summary>
public sealed class CompressionTests
{
    // Compressible, so that a compressed message is visibly smaller.
    private static readonly ByteString Padding = ByteString.CopyFrom(new byte[8 * 1024]);

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Channel_compresses_request_messages_and_the_server_reads_them(string encoding)
    {
        await using var server = await EchoServer.StartAsync();
        var recorder = new FrameRecordingHandler(server.Server.CreateHandler());
        using var channel = GrpcChannel.ForAddress(server.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = recorder, DisposeHttpHandler = true, RequestCompression = encoding });

        var response = await new EchoClient(channel).EchoAsync(new EchoRequest { Message = "zipped", Padding = Padding });

        Assert.Equal("zipped", response.Message);
        Assert.Equal(encoding, response.RequestEncoding);
        Assert.Equal(encoding, recorder.RequestEncoding);
        Assert.Equal(1, recorder.RequestBody[0]);
        Assert.True(recorder.RequestBody.Length < Padding.Length, $"compressed body is {recorder.RequestBody.Length} bytes");
    }

    [Fact]
    public async Task NoCompress_write_flag_sends_that_message_uncompressed()
    {
        await using var server = await EchoServer.StartAsync();
        var recorder = new FrameRecordingHandler(server.Server.CreateHandler());
        using var channel = GrpcChannel.ForAddress(server.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = recorder, DisposeHttpHandler = true, RequestCompression = "gzip" });
        var options = new CallOptions(writeOptions: new WriteOptions(WriteFlags.NoCompress));

        var response = await new EchoClient(channel).EchoAsync(new EchoRequest { Message = "plain", Padding = Padding }, options);

        Assert.Equal("plain", response.Message);
        Assert.Equal(0, recorder.RequestBody[0]);
        Assert.True(recorder.RequestBody.Length > Padding.Length);
    }

    [Fact]
    public async Task Streamed_requests_mix_compressed_and_NoCompress_messages()
    {
        await using var server = await EchoServer.StartAsync();
        using var channel = server.CreateChannel(new GrpcChannelOptions { RequestCompression = "gzip" });
        using var call = new EchoClient(channel).CollectEcho();

        await call.RequestStream.WriteAsync(new EchoRequest { Message = "zipped", Padding = Padding });
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "plain", Padding = Padding });
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal("zipped,plain", response.Message);
        Assert.Equal("gzip", response.RequestEncoding);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_responses_are_decompressed_by_the_client(string encoding)
    {
        await using var server = await EchoServer.StartAsync(options => options.ResponseCompressionAlgorithm = encoding);
        var recorder = new FrameRecordingHandler(server.Server.CreateHandler());
        using var channel = GrpcChannel.ForAddress(server.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = recorder, DisposeHttpHandler = true });

        var response = await new EchoClient(channel).EchoAsync(new EchoRequest { Message = "big", ResponseSize = Padding.Length });

        Assert.Equal("big", response.Message);
        Assert.Equal(Padding.Length, response.Padding.Length);
        Assert.Equal(1, recorder.ResponseBody[0]);
        Assert.True(recorder.ResponseBody.Length < Padding.Length, $"compressed body is {recorder.ResponseBody.Length} bytes");
    }

    [Fact]
    public async Task Compressed_streamed_responses_are_decompressed_by_the_client()
    {
        await using var server = await EchoServer.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");
        using var channel = server.CreateChannel();
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Message = "z", Count = 3, ResponseSize = 1000 });

        var sizes = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            sizes.Add(call.ResponseStream.Current.Padding.Length);
        }

        Assert.Equal([1000, 1000, 1000], sizes);
    }

    [Fact]
    public async Task Decompressed_response_over_the_receive_limit_gives_RESOURCE_EXHAUSTED()
    {
        await using var server = await EchoServer.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 4096 });

        // 64 KiB of zeros compresses far below the limit; only the decompressed size exceeds it.
        var error = await Assert.ThrowsAsync<RpcException>(() => new EchoClient(channel).EchoAsync(new EchoRequest { ResponseSize = 64 * 1024 }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Unsupported_request_compression_is_refused_by_the_channel()
    {
        Assert.Throws<ArgumentException>(() => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { RequestCompression = "snappy" }));
    }
}
