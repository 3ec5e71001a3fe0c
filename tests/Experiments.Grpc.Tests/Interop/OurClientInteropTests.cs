using Experiments.Testing.V1;
using Google.Protobuf;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>Our client runs the interop cases against grpcio's Python server, a real independent peer.</summary>
public sealed class OurClientInteropTests(PythonInteropServer server) : IClassFixture<PythonInteropServer>
{
    private static readonly int[] RequestSizes = [27182, 8, 1828, 45904];
    private static readonly int[] ResponseSizes = [31415, 9, 2653, 58979];
    private const string SpecialMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

    [Fact]
    public async Task Empty_unary()
    {
        using var channel = Channel();
        Assert.Equal(new Empty(), await Client(channel).EmptyCall(new Empty(), Deadline()));
    }

    [Fact]
    public async Task Large_unary()
    {
        using var channel = Channel();
        var response = await Client(channel).UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, Deadline());
        Assert.Equal(314159, response.Payload.Body.Length);
    }

    [Fact]
    public async Task Client_streaming()
    {
        using var channel = Channel();
        using var call = Client(channel).StreamingInputCall(Deadline());
        foreach (var size in RequestSizes)
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) });
        }
        await call.RequestStream.CompleteAsync();
        Assert.Equal(74922, (await call.ResponseAsync).AggregatedPayloadSize);
    }

    [Fact]
    public async Task Server_streaming()
    {
        using var channel = Channel();
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(ResponseSizes.Select(size => new ResponseParameters { Size = size }));
        using var call = Client(channel).StreamingOutputCall(request, Deadline());
        Assert.Equal(ResponseSizes, await ReadSizesAsync(call.ResponseStream));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Ping_pong()
    {
        using var channel = Channel();
        using var call = Client(channel).FullDuplexCall(Deadline());
        for (var i = 0; i < RequestSizes.Length; i++)
        {
            var request = new StreamingOutputCallRequest { Payload = Zeros(RequestSizes[i]) };
            request.ResponseParameters.Add(new ResponseParameters { Size = ResponseSizes[i] });
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(ResponseSizes[i], call.ResponseStream.Current.Payload.Body.Length);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Empty_stream()
    {
        using var channel = Channel();
        using var call = Client(channel).FullDuplexCall(Deadline());
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Custom_metadata()
    {
        using var channel = Channel();
        var headers = new Metadata()
            .Add("x-grpc-test-echo-initial", "test_initial_metadata_value")
            .Add("x-grpc-test-echo-trailing-bin", [0xAB, 0xAB, 0xAB]);
        var options = Deadline().WithHeaders(headers);

        using var unary = Client(channel).UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, options);
        Assert.Equal(314159, (await unary.ResponseAsync).Payload.Body.Length);
        Assert.Equal("test_initial_metadata_value", (await unary.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB }, unary.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));

        using var duplex = Client(channel).FullDuplexCall(options);
        var request = new StreamingOutputCallRequest { Payload = Zeros(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await duplex.RequestStream.WriteAsync(request);
        await duplex.RequestStream.CompleteAsync();
        Assert.Equal([314159], await ReadSizesAsync(duplex.ResponseStream));
        Assert.Equal("test_initial_metadata_value", (await duplex.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB }, duplex.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
    }

    [Theory]
    [InlineData("test status message")]
    [InlineData(SpecialMessage)]
    public async Task Status_code_and_message(string message)
    {
        using var channel = Channel();
        var status = new EchoStatus { Code = 2, Message = message };

        var unary = await Assert.ThrowsAsync<RpcException>(async () => await Client(channel).UnaryCall(new SimpleRequest { ResponseStatus = status }, Deadline()));
        Assert.Equal(StatusCode.Unknown, unary.StatusCode);
        Assert.Equal(message, unary.Status.Detail);

        using var duplex = Client(channel).FullDuplexCall(Deadline());
        await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status });
        await duplex.RequestStream.CompleteAsync();
        var streamed = await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unknown, streamed.StatusCode);
        Assert.Equal(message, streamed.Status.Detail);
    }

    [Fact]
    public async Task Unimplemented_method()
    {
        using var channel = Channel();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client(channel).UnknownMethodCall(Deadline()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unimplemented_service()
    {
        using var channel = Channel();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client(channel).UnimplementedServiceCall(Deadline()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_after_begin()
    {
        using var channel = Channel();
        using var cancel = new CancellationTokenSource();
        using var call = Client(channel).StreamingInputCall(Deadline().WithCancellationToken(cancel.Token));
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_after_first_response()
    {
        using var channel = Channel();
        using var cancel = new CancellationTokenSource();
        using var call = Client(channel).FullDuplexCall(Deadline().WithCancellationToken(cancel.Token));
        var request = new StreamingOutputCallRequest { Payload = Zeros(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(31415, call.ResponseStream.Current.Payload.Body.Length);

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Timeout_on_sleeping_server()
    {
        using var channel = Channel();
        using var call = Client(channel).FullDuplexCall(new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(1)));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Client_compressed_unary_and_streaming()
    {
        using var channel = Channel(compression: "gzip");
        var client = Client(channel);
        var response = await client.UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828), ExpectCompressed = true }, Deadline());
        Assert.Equal(314159, response.Payload.Body.Length);

        var uncompressed = Deadline().WithWriteOptions(new WriteOptions(WriteFlags.NoCompress));
        response = await client.UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, uncompressed);
        Assert.Equal(314159, response.Payload.Body.Length);

        using var call = client.StreamingInputCall(Deadline());
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(27182), ExpectCompressed = true });
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(45904), ExpectCompressed = true });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(73086, (await call.ResponseAsync).AggregatedPayloadSize);
    }

    [Fact]
    public async Task Server_compressed_unary_and_streaming()
    {
        using var channel = Channel();
        var client = Client(channel);
        foreach (var compressed in new[] { true, false })
        {
            var response = await client.UnaryCall(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828), ResponseCompressed = compressed }, Deadline());
            Assert.Equal(314159, response.Payload.Body.Length);
        }
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415, Compressed = true });
        request.ResponseParameters.Add(new ResponseParameters { Size = 92653, Compressed = false });
        using var call = client.StreamingOutputCall(request, Deadline());
        Assert.Equal([31415, 92653], await ReadSizesAsync(call.ResponseStream));
    }

    private GrpcChannel Channel(string? compression = null) =>
        GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { RequestCompression = compression });

    private static InteropClient Client(GrpcChannel channel) => new(channel.CreateCallInvoker());

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static async Task<List<int>> ReadSizesAsync(IAsyncStreamReader<StreamingOutputCallResponse> responses)
    {
        var sizes = new List<int>();
        while (await responses.MoveNext(CancellationToken.None))
        {
            sizes.Add(responses.Current.Payload.Body.Length);
        }
        return sizes;
    }
}
