using System.Text;
using Experiments.Contracts.V1;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Experiments.Testing.Ingestion;
using Experiments.Testing.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Experiments.Sdk.Tests.Capture;

/// <summary>
/// Capture of inbound gRPC calls by the SDK's interceptor, on a Grpc.AspNetCore app with a grpc-dotnet client, recorded
/// into a Captures double: what an exchange holds for each call kind, that secrets never leave the process, and the
/// sampling, allow-list, size cap and budget.
/// </summary>
public sealed class GrpcCaptureTests
{
    private const string Service = "experiments.testing.v1.EchoService";
    private const string Bearer = "eyJhbGciOiJIUzI1NiJ9.bearer-token-never-to-be-captured";
    private const string HeaderSecret = "header-secret-never-to-be-captured";
    private const string FieldSecret = "field-secret-never-to-be-captured";
    private const string BytesSecret = "bytes-secret-never-to-be-captured";

    [Fact]
    public async Task Every_call_kind_is_captured_whole_and_no_secret_reaches_any_captured_byte()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion, assignment) = (new CapturesDouble(), new IngestionDouble(), new FakeAssignment());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var assignmentServer = await FakeAssignment.StartAsync(assignment);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.AssignmentAddress = FakeAssignment.Address;
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.IngestionApiKey = "ingest-key";
            options.UserId = UnitIdSource.FromGrpcMetadata("x-user-id");
            options.ClientId = UnitIdSource.FromGrpcMetadata("x-client-id");
            options.ServiceName = "echo-backend";
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
            options.Capture.RedactHeaders.Add("X-Api-Secret");
            options.Capture.RedactFields.Add("message");
            options.Capture.RedactFields.Add("padding");
        }, ingestionServer, assignmentServer);
        assignment.Snapshot(1, SampleDefinitions.Running(rollout: 100, controlWeight: 50));
        await app.Status.WaitForDefinitionsAsync(1, timeout.Token);

        var client = new EchoService.EchoServiceClient(app.Channel);
        var headers = new Metadata
        {
            { "authorization", "Bearer " + Bearer },
            { "x-api-secret", HeaderSecret },
            { "x-user-id", "user-7" },
            { "x-client-id", "mobile" },
        };
        var secretRequest = new EchoRequest { Message = FieldSecret, Padding = ByteString.CopyFromUtf8(BytesSecret), Count = 2 };

        var unary = await client.EchoAsync(secretRequest, headers, cancellationToken: timeout.Token);
        using (var collect = client.CollectEcho(headers, cancellationToken: timeout.Token))
        {
            await collect.RequestStream.WriteAsync(secretRequest);
            await collect.RequestStream.WriteAsync(secretRequest);
            await collect.RequestStream.CompleteAsync();
            await collect;
        }
        using (var expand = client.ExpandEcho(secretRequest, headers, cancellationToken: timeout.Token))
        {
            while (await expand.ResponseStream.MoveNext(timeout.Token))
            {
            }
        }
        using (var duplex = client.StreamEcho(headers, cancellationToken: timeout.Token))
        {
            await duplex.RequestStream.WriteAsync(secretRequest);
            await duplex.ResponseStream.MoveNext(timeout.Token);
            await duplex.RequestStream.WriteAsync(secretRequest);
            await duplex.ResponseStream.MoveNext(timeout.Token);
            await duplex.RequestStream.CompleteAsync();
            Assert.False(await duplex.ResponseStream.MoveNext(timeout.Token));
        }
        await captures.WaitForAsync(e => e.Count == 4, timeout.Token);

        // Not one captured byte carries a secret, in any encoding the capture could hold it in.
        string[] secrets = [Bearer, HeaderSecret, FieldSecret, BytesSecret];
        var encodings = secrets.SelectMany(s => new[] { s, Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) }).ToArray();
        Assert.NotEmpty(captures.Requests);
        foreach (var request in captures.Requests.Select(r => r.ToByteArray()))
        {
            foreach (var secret in encodings)
            {
                Assert.True(request.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"a captured request holds '{secret}'");
            }
        }
        Assert.All(captures.Authorizations, a => Assert.Equal("Bearer ingest-key", a));

        var byMethod = captures.Exchanges.ToDictionary(e => e.ApiName[(Service.Length + 1)..]);
        var expected = new (string Method, string Kind, int Requests, int Responses)[]
        {
            ("Echo", "UNARY", 1, 1), ("CollectEcho", "CLIENT_STREAMING", 2, 1), ("ExpandEcho", "SERVER_STREAMING", 1, 2), ("StreamEcho", "DUPLEX_STREAMING", 2, 2),
        };
        foreach (var (method, kind, requests, responses) in expected)
        {
            var exchange = byMethod[method];
            Assert.Equal((CaptureProtocol.Grpc, kind, "POST", "/" + Service + "/" + method, "echo-backend", "mobile", "user-7", 0),
                (exchange.Protocol, exchange.GrpcCallType, exchange.HttpMethod, exchange.Path, exchange.ServiceName, exchange.ClientId, exchange.UnitId, exchange.StatusCode));
            Assert.Equal((requests, responses), (exchange.RequestMessages.Count, exchange.ResponseMessages.Count));
            Assert.Equal(unary.Message, exchange.Variants[SampleDefinitions.Flag]);
            Assert.Contains(exchange.RequestHeaders, h => h.Name == "authorization" && h.Value == "{{redacted}}");
            Assert.Contains(exchange.RequestHeaders, h => h.Name == "x-api-secret" && h.Value == "{{redacted}}");
            Assert.Contains(exchange.RequestHeaders, h => h.Name == "x-user-id" && h.Value == "user-7");
            Assert.Contains(exchange.ResponseHeaders, h => h.Name == "grpc-status" && h.Value == "0");
            Assert.Equal(["header:authorization", "header:x-api-secret", "request:message", "request:padding", "response:message"], exchange.Redactions.Order(StringComparer.Ordinal));
            Assert.True(exchange.DurationMs > 0);
            Assert.False(exchange.Truncated);
            foreach (var message in exchange.RequestMessages)
            {
                // The recorded bytes are the redacted request (what a replay sends), its text their JSON mapping, its size the original's.
                var recorded = EchoRequest.Parser.ParseFrom(message.Payload);
                Assert.Equal(new EchoRequest { Message = "{{redacted}}", Count = 2 }, recorded);
                Assert.Equal(recorded, EchoRequest.Parser.ParseJson(message.Text));
                Assert.Equal("experiments.testing.v1.EchoRequest", message.TypeName);
                Assert.Equal(secretRequest.CalculateSize(), message.SizeBytes);
                Assert.InRange(message.OffsetMs, 0, exchange.DurationMs);
            }
        }
    }

    [Fact]
    public async Task Sampling_follows_the_rate_per_api_and_the_client_allow_list()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.ClientId = UnitIdSource.FromGrpcMetadata("x-client-id");
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 0.3;
            options.Capture.ApiSampleRates[Service + "/ExpandEcho"] = 0;
            options.Capture.ApiSampleRates[Service + "/CollectEcho"] = 1;
            options.Capture.ClientAllowList.Add("mobile");
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, ingestionServer);
        var client = new EchoService.EchoServiceClient(app.Channel);
        Metadata From(string clientId) => new() { { "x-user-id", "user-1" }, { "x-client-id", clientId } };

        const int EchoCalls = 400;
        for (var i = 0; i < EchoCalls; i++)
        {
            await client.EchoAsync(new EchoRequest { Message = "m" + i }, From("mobile"), cancellationToken: timeout.Token);
        }
        for (var i = 0; i < 100; i++)
        {
            await client.EchoAsync(new EchoRequest(), From("web"), cancellationToken: timeout.Token);
        }
        for (var i = 0; i < 20; i++)
        {
            using var expand = client.ExpandEcho(new EchoRequest { Count = 1 }, From("mobile"), cancellationToken: timeout.Token);
            while (await expand.ResponseStream.MoveNext(timeout.Token))
            {
            }
            foreach (var clientId in new[] { "mobile", "web" })
            {
                using var collect = client.CollectEcho(From(clientId), cancellationToken: timeout.Token);
                await collect.RequestStream.CompleteAsync();
                await collect;
            }
        }
        // Each exchange is buffered before its call answers: once ingestion has them all, there is nothing else to come.
        var recorded = app.Metrics.CapturesRecorded;
        await captures.WaitForAsync(e => e.Count == recorded, timeout.Token);

        var exchanges = captures.Exchanges;
        Assert.All(exchanges, e => Assert.Equal("mobile", e.ClientId));
        Assert.DoesNotContain(exchanges, e => e.ApiName.EndsWith("/ExpandEcho", StringComparison.Ordinal));
        Assert.Equal(20, exchanges.Count(e => e.ApiName.EndsWith("/CollectEcho", StringComparison.Ordinal)));
        // Binomial(400, 0.3): mean 120, sd 9.17; ±4.5 sd ([79, 161]) fails a correct sampler about once in 150,000 runs.
        var echoes = exchanges.Count(e => e.ApiName.EndsWith("/Echo", StringComparison.Ordinal));
        Assert.InRange(echoes, 79, 161);
        Assert.Equal(echoes, exchanges.Where(e => e.ApiName.EndsWith("/Echo", StringComparison.Ordinal)).Select(e => e.RequestMessages[0].Text).Distinct().Count());
    }

    [Fact]
    public async Task An_exchange_past_its_size_cap_is_cut_and_flagged_and_keeps_the_sizes_as_sent()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.MaxExchangeBytes = 1000;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, ingestionServer);
        var client = new EchoService.EchoServiceClient(app.Channel);
        var small = new EchoRequest { Message = "small", Count = 3 };
        var large = new EchoRequest { Message = "large", Padding = ByteString.CopyFrom(new byte[5000]) };

        using (var expand = client.ExpandEcho(small, new Metadata { { "x-user-id", "u" } }, cancellationToken: timeout.Token))
        {
            while (await expand.ResponseStream.MoveNext(timeout.Token))
            {
            }
        }
        await client.EchoAsync(large, new Metadata { { "x-user-id", "u" } }, cancellationToken: timeout.Token);
        await captures.WaitForAsync(e => e.Count == 2, timeout.Token);

        var expanded = captures.Exchanges.Single(e => e.ApiName.EndsWith("/ExpandEcho", StringComparison.Ordinal));
        Assert.False(expanded.Truncated);
        Assert.Equal(small, EchoRequest.Parser.ParseFrom(expanded.RequestMessages[0].Payload));

        var echoed = captures.Exchanges.Single(e => e.ApiName.EndsWith("/Echo", StringComparison.Ordinal));
        Assert.True(echoed.Truncated);
        var request = Assert.Single(echoed.RequestMessages);
        Assert.True(request.Truncated);
        Assert.Equal(large.CalculateSize(), request.SizeBytes);
        Assert.InRange(request.Payload.Length + request.Text.Length, 1, 1000);
        // What was kept is the message's start: its bytes, and its JSON mapping.
        Assert.True(large.ToByteString().Span.StartsWith(request.Payload.Span));
        Assert.StartsWith(request.Text, JsonFormatter.Default.Format(large), StringComparison.Ordinal);
        // Past the cap a message keeps its size and time, not its content.
        var response = Assert.Single(echoed.ResponseMessages);
        Assert.True(response.Truncated);
        Assert.Equal((0, ""), (response.Payload.Length, response.Text));
        Assert.True(response.SizeBytes > 0);
    }

    [Fact]
    public async Task Past_the_storage_budget_exchanges_are_dropped_and_counted_and_calls_still_succeed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        captures.Block();
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.StorageBudgetBytes = 4000;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, ingestionServer);
        var client = new EchoService.EchoServiceClient(app.Channel);

        const int Calls = 40;
        for (var i = 0; i < Calls; i++)
        {
            var response = await client.EchoAsync(new EchoRequest { Message = "call-" + i, Padding = ByteString.CopyFrom(new byte[300]) },
                new Metadata { { "x-user-id", "u" } }, cancellationToken: timeout.Token);
            Assert.Equal("control", response.Message);
        }
        var recorded = app.Metrics.CapturesRecorded;
        var dropped = app.Metrics.CapturesDropped(CaptureDrop.Budget);
        Assert.Equal(Calls, recorded + dropped);
        // Each exchange is over 300 bytes: a 4,000-byte budget holds at most a dozen.
        Assert.InRange(recorded, 1, 12);

        captures.Release();
        await captures.WaitForAsync(e => e.Count == recorded, timeout.Token);
        Assert.Equal(recorded, captures.Exchanges.Select(e => e.CaptureId).Distinct().Count());
    }

    [Fact]
    public async Task Over_a_real_socket_a_captured_call_names_its_http2_authority_and_holds_no_bearer_token()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, ingestionServer, loopback: true);
        var client = new EchoService.EchoServiceClient(app.Channel);

        await client.EchoAsync(new EchoRequest { Message = "over the wire" },
            new Metadata { { "authorization", "Bearer " + Bearer }, { "x-user-id", "socket-user" } }, cancellationToken: timeout.Token);
        await captures.WaitForAsync(e => e.Count == 1, timeout.Token);

        Assert.True(Assert.Single(captures.Requests).ToByteArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(Bearer)) < 0);
        var exchange = Assert.Single(captures.Exchanges);
        Assert.Equal(("HTTP/2", new Uri(app.Channel.Target.StartsWith("http", StringComparison.Ordinal) ? app.Channel.Target : "http://" + app.Channel.Target).Authority, "socket-user"),
            (exchange.HttpVersion, exchange.Authority, exchange.UnitId));
        Assert.Equal("over the wire", EchoRequest.Parser.ParseFrom(Assert.Single(exchange.RequestMessages).Payload).Message);
    }
}
