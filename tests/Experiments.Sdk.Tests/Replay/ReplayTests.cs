using System.Text;
using Experiments.Evaluation.Replay;
using Experiments.Sdk.Replay;
using Experiments.Sdk.Tests.Capture;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Experiments.Testing.Ingestion;
using Experiments.Testing.V1;
using Grpc.Core;

namespace Experiments.Sdk.Tests.Replay;

/// <summary>
/// The replay override: a request signed by <c>exp replay</c>'s key is served the variants it names and reported nowhere;
/// any other use of the variant header is ignored and counted. Tokens are made with <see cref="ReplayToken.Create"/>, as
/// the CLI makes them.
/// </summary>
public sealed class ReplayTests
{
    private const string Key = "replay-key-of-this-backend";
    private const string Flag = SampleDefinitions.Flag;

    [Fact]
    public async Task A_valid_token_forces_the_variants_of_every_call_kind_and_nothing_of_the_call_is_reported()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var backend = await Backend.StartAsync(replay: true, timeout.Token);
        var client = new EchoService.EchoServiceClient(backend.App.Channel);

        var answers = new List<(string Forced, string Served)>();
        foreach (var variant in new[] { "control", "fast-engine", "control", "fast-engine" })
        {
            var headers = Signed("replayed-user", Flag + "=" + variant, Key, DateTimeOffset.UtcNow.AddMinutes(5));
            answers.Add((variant, (await client.EchoAsync(new EchoRequest(), headers, cancellationToken: timeout.Token)).Message));
            using var expand = client.ExpandEcho(new EchoRequest { Count = 2 }, headers, cancellationToken: timeout.Token);
            while (await expand.ResponseStream.MoveNext(timeout.Token))
            {
                answers.Add((variant, expand.ResponseStream.Current.Message));
            }
        }
        Assert.All(answers, a => Assert.Equal(a.Forced, a.Served));
        Assert.Equal(8, backend.App.Metrics.ReplayServed);

        // Telemetry and captures are sent in the order they were taken: once an ordinary call made after the replays has
        // arrived in both, anything the replays had produced would have arrived before it.
        await client.EchoAsync(new EchoRequest(), new Metadata { { "x-user-id", "after-user" } }, cancellationToken: timeout.Token);
        await backend.Ingestion.WaitForAsync(events => events.Any(e => e.UserId == "after-user" && e.Request is not null), timeout.Token);
        await backend.Captures.WaitForAsync(exchanges => exchanges.Any(e => e.UnitId == "after-user"), timeout.Token);
        Assert.DoesNotContain(backend.Ingestion.Events, e => e.UserId == "replayed-user");
        Assert.DoesNotContain(backend.Captures.Exchanges, e => e.UnitId == "replayed-user");
    }

    [Fact]
    public async Task A_bad_expired_misbound_or_missing_token_leaves_the_header_ignored_and_counted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var backend = await Backend.StartAsync(replay: true, timeout.Token);
        var client = new EchoService.EchoServiceClient(backend.App.Channel);
        var natural = (await client.EchoAsync(new EchoRequest(), new Metadata { { "x-user-id", "probe" } }, cancellationToken: timeout.Token)).Message;
        var other = natural == "control" ? "fast-engine" : "control";
        var header = Flag + "=" + other;
        var soon = DateTimeOffset.UtcNow.AddMinutes(5);

        var attempts = new[]
        {
            Signed("probe", header, "another-key", soon),
            Signed("probe", header, Key, DateTimeOffset.UtcNow.AddMinutes(-1)),
            // Signed for the variant the unit gets anyway, sent with the other one.
            WithToken("probe", header, ReplayToken.Create(Encoding.UTF8.GetBytes(Key), Flag + "=" + natural, soon)),
            WithToken("probe", header, token: null),
        };
        foreach (var headers in attempts)
        {
            Assert.Equal(natural, (await client.EchoAsync(new EchoRequest(), headers, cancellationToken: timeout.Token)).Message);
        }
        Assert.Equal(4, backend.App.Metrics.ReplayRefused(ReplayRefusal.BadToken));
        Assert.Equal(0, backend.App.Metrics.ReplayServed);
        // Ignored, they are ordinary calls: all five are reported.
        await backend.Ingestion.WaitForAsync(events => events.Count(e => e.UserId == "probe" && e.Request is not null) == 5, timeout.Token);
    }

    [Fact]
    public async Task Over_http_a_valid_token_forces_the_variant_and_with_replay_off_the_header_is_ignored_and_counted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var enabled in new[] { true, false })
        {
            await using var backend = await Backend.StartAsync(replay: enabled, timeout.Token);
            var http = backend.App.Http!;
            var natural = await QuoteAsync(http, "web-user", headers: []);
            var other = natural == "control" ? "fast-engine" : "control";
            var header = Flag + "=" + other;
            var token = ReplayToken.Create(Encoding.UTF8.GetBytes(Key), header, DateTimeOffset.UtcNow.AddMinutes(5));

            var served = await QuoteAsync(http, "web-user", (ReplayToken.VariantHeader, header), (ReplayToken.TokenHeader, token));

            Assert.Equal(enabled ? other : natural, served);
            Assert.Equal(enabled ? 1 : 0, backend.App.Metrics.ReplayServed);
            Assert.Equal(enabled ? 0 : 1, backend.App.Metrics.ReplayRefused(ReplayRefusal.Disabled));
        }
    }

    private static async Task<string> QuoteAsync(HttpClient http, string user, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/quotes/ACME");
        request.Headers.Add("x-user-id", user);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static Metadata Signed(string user, string variants, string key, DateTimeOffset expires) =>
        WithToken(user, variants, ReplayToken.Create(Encoding.UTF8.GetBytes(key), variants, expires));

    private static Metadata WithToken(string user, string variants, string? token)
    {
        var headers = new Metadata { { "x-user-id", user }, { ReplayToken.VariantHeader, variants } };
        if (token is not null)
        {
            headers.Add(ReplayToken.TokenHeader, token);
        }
        return headers;
    }

    /// <summary>The backend with live definitions (a 50/50 experiment on the flag), telemetry, capture of every call, and replay.</summary>
    private sealed class Backend : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];

        public IngestionDouble Ingestion { get; } = new();

        public CapturesDouble Captures { get; } = new();

        public CaptureApp App { get; private set; } = null!;

        public static async Task<Backend> StartAsync(bool replay, CancellationToken cancellationToken)
        {
            var backend = new Backend();
            var assignment = new FakeAssignment();
            var ingestionServer = await GrpcTestServer.StartAsync([backend.Captures, backend.Ingestion]);
            backend._owned.Add(ingestionServer);
            var assignmentServer = await FakeAssignment.StartAsync(assignment);
            backend._owned.Add(assignmentServer);
            backend.App = await CaptureApp.StartAsync(options =>
            {
                options.AssignmentAddress = FakeAssignment.Address;
                options.IngestionAddress = SdkApp.IngestionAddress;
                options.UserId = UnitIdSource.FromGrpcMetadata("x-user-id");
                options.FlushInterval = TimeSpan.FromMilliseconds(20);
                options.Capture.Enabled = true;
                options.Capture.SampleRate = 1;
                options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
                options.Replay.Enabled = replay;
                options.Replay.Key = Key;
            }, ingestionServer, assignmentServer);
            backend._owned.Insert(0, backend.App);
            assignment.Snapshot(1, SampleDefinitions.Running(rollout: 100, controlWeight: 50));
            await backend.App.Status.WaitForDefinitionsAsync(1, cancellationToken);
            return backend;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned)
            {
                await owned.DisposeAsync();
            }
        }
    }
}
