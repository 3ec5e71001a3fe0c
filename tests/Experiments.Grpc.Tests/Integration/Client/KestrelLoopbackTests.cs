using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Experiments.Testing.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>
/// Our client with SocketsHttpHandler against our server on real Kestrel (127.0.0.1, HTTP/2-only
/// listener, h2c or TLS): the in-memory tests do not exercise sockets, HTTP/2 framing, flow control,
/// RST_STREAM or TLS; these do.
/// </summary>
public sealed class KestrelLoopbackTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_call_kind_metadata_errors_deadlines_and_cancellation_work_over_a_real_socket()
    {
        await using var app = await StartKestrelAsync(useTls: null);
        using var channel = GrpcChannel.ForAddress(AddressOf(app));
        var client = new EchoClient(channel);
        var observer = app.Services.GetRequiredService<ServerCallObserver>();

        // Unary, with metadata both ways.
        var headers = new Metadata().Add("x-text", "t").Add("x-data-bin", [0, 255]);
        using (var unary = client.EchoAsync(new EchoRequest { Message = "unary", EchoMetadata = true }, new CallOptions(headers)))
        {
            Assert.Equal("unary", (await unary).Message);
            Assert.Equal("t", (await unary.ResponseHeadersAsync).GetValue("x-text"));
            Assert.Equal(new byte[] { 0, 255 }, unary.GetTrailers().GetValueBytes("x-data-bin"));
        }

        // Client streaming, with a request larger than HTTP/2's initial flow-control window.
        using (var collect = client.CollectEcho())
        {
            await collect.RequestStream.WriteAsync(new EchoRequest { Message = "a" });
            await collect.RequestStream.WriteAsync(new EchoRequest { Message = "b", Padding = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize - 100]) });
            await collect.RequestStream.CompleteAsync();
            Assert.Equal("a,b", (await collect).Message);
        }

        // Server streaming, with responses larger than the flow-control window.
        using (var expand = client.ExpandEcho(new EchoRequest { Message = "e", Count = 4, ResponseSize = 200_000 }))
        {
            var count = 0;
            while (await expand.ResponseStream.MoveNext(CancellationToken.None))
            {
                Assert.Equal($"e {count++}", expand.ResponseStream.Current.Message);
            }
            Assert.Equal(4, count);
        }

        // Duplex, ping-pong: only full duplex gets each answer before the next request.
        using (var duplex = client.StreamEcho())
        {
            for (var i = 0; i < 3; i++)
            {
                await duplex.RequestStream.WriteAsync(new EchoRequest { Message = $"p{i}" });
                Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
                Assert.Equal($"p{i}", duplex.ResponseStream.Current.Message);
            }
            await duplex.RequestStream.CompleteAsync();
            Assert.False(await duplex.ResponseStream.MoveNext(CancellationToken.None));
        }

        // An error status with a non-ASCII message.
        var failed = await Assert.ThrowsAsync<RpcException>(() =>
            client.EchoAsync(new EchoRequest { Error = new EchoError { Code = (int)StatusCode.Aborted, Message = "révision ≠ 3" } }).ResponseAsync);
        Assert.Equal(new Status(StatusCode.Aborted, "révision ≠ 3"), failed.Status);

        // A request over the server's receive limit, still being sent when the server refuses it.
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() =>
            client.EchoAsync(new EchoRequest { Padding = ByteString.CopyFrom(new byte[1024 * 1024]) }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);

        // A deadline that passes while the server waits.
        var late = await Assert.ThrowsAsync<RpcException>(() =>
            client.EchoAsync(new EchoRequest { DelayMs = 60_000 }, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(200))).ResponseAsync.WaitAsync(Guard));
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);

        // Cancellation by the caller resets the stream, and the server's handler sees it.
        var cancelled = Guid.NewGuid().ToString();
        using (var cts = new CancellationTokenSource())
        using (var call = client.EchoAsync(new EchoRequest { Message = cancelled, DelayMs = 60_000 }, new CallOptions(cancellationToken: cts.Token)))
        {
            await observer.WhenWaiting(cancelled).WaitAsync(Guard);
            await cts.CancelAsync();
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Guard));
            Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        }
        await observer.WhenCancelled(cancelled).WaitAsync(Guard);

        // After all that the connection still serves.
        Assert.Equal("still here", (await client.EchoAsync(new EchoRequest { Message = "still here" })).Message);
    }

    [Fact]
    public async Task Https_address_speaks_HTTP2_over_TLS_with_the_callers_certificate_validation()
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var app = await StartKestrelAsync(certificate);
        var handler = new SocketsHttpHandler();
        // The caller decides which certificates to trust: here, exactly the server's.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        using var channel = GrpcChannel.ForAddress(AddressOf(app), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpHandler = true });

        var response = await new EchoClient(channel).EchoAsync(new EchoRequest { Message = "secure" });

        Assert.StartsWith("https://", AddressOf(app), StringComparison.Ordinal);
        Assert.Equal("secure", response.Message);
    }

    [Fact]
    public async Task Completing_the_request_stream_of_a_call_the_server_already_failed_leaves_the_status_to_the_response()
    {
        await using var app = await StartKestrelAsync(useTls: null);
        using var channel = GrpcChannel.ForAddress(AddressOf(app));
        using var duplex = new EchoClient(channel).StreamEcho();
        await duplex.RequestStream.WriteAsync(new EchoRequest { Error = new EchoError { Code = (int)StatusCode.Unknown, Message = "failed first" } });
        var failed = await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
        Assert.Equal(new Status(StatusCode.Unknown, "failed first"), failed.Status);

        // The server has ended the call; the client half-closes as it always does after its last message.
        await duplex.RequestStream.CompleteAsync();
        Assert.Equal(new Status(StatusCode.Unknown, "failed first"), duplex.GetStatus());
    }

    [Fact]
    public async Task Request_streams_may_stay_idle_longer_than_Kestrels_minimum_body_data_rate_allows()
    {
        // Kestrel aborts a request body that arrives slower than MinRequestBodyDataRate once its grace period has
        // passed; a gRPC request stream is idle whenever its sender has nothing to say (an event forwarder, a
        // telemetry stream), so the server must lift that limit for streaming requests as grpc-dotnet does.
        // The limit here is Kestrel's default rate with a 2 s grace period (the default is 5 s) to keep the test short.
        await using var app = await StartKestrelAsync(useTls: null, new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(2)));
        using var channel = GrpcChannel.ForAddress(AddressOf(app));
        var client = new EchoClient(channel);

        using var duplex = client.StreamEcho();
        await duplex.RequestStream.WriteAsync(new EchoRequest { Message = "before" });
        Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
        await Task.Delay(TimeSpan.FromSeconds(5));
        await duplex.RequestStream.WriteAsync(new EchoRequest { Message = "after" });
        Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));
        Assert.Equal("after", duplex.ResponseStream.Current.Message);
        await duplex.RequestStream.CompleteAsync();
        Assert.False(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard));

        using var collect = client.CollectEcho();
        await collect.RequestStream.WriteAsync(new EchoRequest { Message = "a" });
        await Task.Delay(TimeSpan.FromSeconds(5));
        await collect.RequestStream.WriteAsync(new EchoRequest { Message = "b" });
        await collect.RequestStream.CompleteAsync();
        Assert.Equal("a,b", (await collect.ResponseAsync.WaitAsync(Guard)).Message);
    }

    private static async Task<WebApplication> StartKestrelAsync(X509Certificate2? useTls, MinDataRate? minRequestBodyDataRate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (minRequestBodyDataRate is not null)
            {
                kestrel.Limits.MinRequestBodyDataRate = minRequestBodyDataRate;
            }
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (useTls is not null)
            {
                listen.UseHttps(useTls);
            }
        }));
        builder.Services.AddGrpcServer(options => options.MaxReceiveMessageSize = EchoServer.MaxReceiveMessageSize);
        builder.Services.AddSingleton<ServerCallObserver>();
        var app = builder.Build();
        app.MapGrpcService<EchoService>(EchoReflection.Descriptor.Services[0]);
        await app.StartAsync();
        return app;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
