using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Experiments.Tests.Shared;
using Google.Protobuf;
using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Experiments.Cli.Tests.Replay;

/// <summary>
/// <c>exp replay</c> end to end: a capture file replayed against a real grpc-dotnet backend on loopback (gRPC and
/// HTTP/2), judged by the real statistics service run as a process, the way a user runs both.
/// </summary>
public sealed class ReplayCommandTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Key = "replay-key-for-tests";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "exp-replay-tests", Guid.NewGuid().ToString("N"));
    private ServiceProcess _statistics = null!;
    private ReplayBackend _backend = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _statistics = await ServiceProcess.StartBuiltAsync("Experiments.Statistics", "--Data:Folder=" + Path.Combine(_folder, "statistics"));
        _backend = await ReplayBackend.StartAsync(Key);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _statistics.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Capture(int grpc, int http)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        return Captures.Write(Path.Combine(_folder, "capture.jsonl"),
            Enumerable.Range(0, grpc).Select(i => Captures.Assign(i, start)).Concat(Enumerable.Range(0, http).Select(i => Captures.Portfolio(i, start))));
    }

    private string[] Args(string capture, params string[] more) =>
    [
        "replay", "--capture", capture, "--target", _backend.Address, "--statistics-url", _statistics.Address,
        "--variant", ReplayBackend.Control, "--variant", ReplayBackend.Treatment, "--header", "authorization=Bearer s3cret", .. more,
    ];

    [Fact]
    public async Task Replay_forces_each_variant_with_a_signed_token_and_its_verdict_flags_the_planted_tail_regression()
    {
        // Warmed up first, as a user's backend is: first calls (JIT, connections) would otherwise sit in the tail of both arms.
        var environment = new Dictionary<string, string> { ["EXP_REPLAY_KEY"] = Key };
        await ReplayCli.RunAsync(environment, Args(Capture(grpc: 100, http: 20), "--speed", "max", "--concurrency", "8", "--json"));
        _backend.Served.Reset();
        var capture = Capture(grpc: 1000, http: 100);

        var result = await ReplayCli.RunAsync(environment, Args(capture, "--speed", "max", "--concurrency", "8", "--max-exchanges", "5000", "--json", "--exit-code"));

        Assert.True(result.ExitCode == 12, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var verdict = JsonParser.Default.Parse<Verdict>(result.Stdout.Trim());
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        var p99 = verdict.KpiResults.Single(k => k.KpiKey == "p99 experiments.v1.Assignment/Assign");
        Assert.Equal(KpiRole.Guardrail, p99.Role);
        Assert.Equal([1000L, 1000L], p99.Arms.Select(a => a.Observations));
        Assert.Equal(GuardrailStatus.BeyondTolerance, p99.Comparisons.Single().GuardrailStatus);
        // The most-called API's median is the primary KPI; the planted regression is in the tail only.
        Assert.Equal(KpiRole.Primary, verdict.KpiResults.Single(k => k.KpiKey == "p50 experiments.v1.Assignment/Assign").Role);

        var served = _backend.Served;
        Assert.Equal(0, served.Refused);
        Assert.Equal(1100, served.ServedVariants[ReplayBackend.Control]);
        Assert.Equal(1100, served.ServedVariants[ReplayBackend.Treatment]);
        Assert.All(served.Authorizations, a => Assert.Equal("Bearer s3cret", a));
        Assert.DoesNotContain("order-routing=stale", served.VariantHeaders);
    }

    [Fact]
    public async Task Replay_summary_counts_differing_responses_and_shows_their_paths()
    {
        var capture = Capture(grpc: 30, http: 10);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(),
            Args(capture, "--speed", "10x", "--replay-key", Key));
        output.WriteLine(result.Stdout);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("Responses that differ between control and new-router: 40 of 40", result.Stdout, StringComparison.Ordinal);
        // AssignResponse.assignments (1) → VariantAssignment.variant_key (4), decoded from the wire without the schema.
        Assert.Matches(@"1\.4\s+""control""\s+""new-router""", result.Stdout);
        Assert.Contains("Decision:", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(40, _backend.Served.ServedVariants[ReplayBackend.Treatment]);
    }

    [Fact]
    public async Task With_experiment_the_replay_takes_its_variants_flag_and_request_based_KPIs_on_replayed_APIs()
    {
        await using var admin = await GrpcTestServer.StartAsync(services => services.AddSingleton<FakeExperimentAdmin>(), app => app.MapGrpcService<FakeExperimentAdmin>());
        admin.Services.GetRequiredService<FakeExperimentAdmin>().Add(new Experiment
        {
            Id = "routing",
            FlagKey = ReplayBackend.Flag,
            Variants = { new Variant { Key = ReplayBackend.Control, Weight = 50, IsControl = true }, new Variant { Key = ReplayBackend.Treatment, Weight = 50 } },
            Kpis =
            {
                new Kpi { Key = "assign-p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = "experiments.v1.Assignment/Assign", Tolerance = 0.5 },
                new Kpi { Key = "all-mean", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary },
                new Kpi { Key = "retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1 },
                new Kpi { Key = "orders-p50", Kind = KpiKind.LatencyP50, Role = KpiRole.Secondary, ApiName = "trading.v1.TradingCore/PlaceOrder" },
            },
            Alpha = 0.01,
        });
        var capture = Capture(grpc: 30, http: 0);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(),
            address => address.Host == "assignment.test" ? admin.CreateChannel() : GrpcChannel.ForAddress(address),
            "replay", "--capture", capture, "--target", _backend.Address, "--statistics-url", _statistics.Address, "--assignment-url", "http://assignment.test:5101",
            "--experiment", "routing", "--replay-key", Key, "--speed", "max", "--json");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var verdict = JsonParser.Default.Parse<Verdict>(result.Stdout.Trim());
        Assert.StartsWith("replay-routing-", verdict.ExperimentId, StringComparison.Ordinal);
        Assert.Equal(["assign-p99", "all-mean"], verdict.KpiResults.Select(k => k.KpiKey));
        Assert.Equal(0.5, verdict.KpiResults[0].Tolerance);
        Assert.Equal(0.01, verdict.Alpha);
        Assert.Equal(30, _backend.Served.ServedVariants[ReplayBackend.Treatment]);
    }

    [Fact]
    public async Task A_replay_signed_with_another_key_forces_nothing_and_every_attempt_is_counted()
    {
        var capture = Capture(grpc: 20, http: 0);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(),
            Args(capture, "--speed", "max", "--replay-key", "not-the-backend-key", "--json"));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Equal(40, _backend.Served.Refused);
        Assert.Equal(40, _backend.Served.ServedVariants[ReplayBackend.Control]);
        Assert.False(_backend.Served.ServedVariants.ContainsKey(ReplayBackend.Treatment));
    }

    [Fact]
    public async Task Exchanges_that_recorded_several_flags_need_flag_to_say_which_to_force()
    {
        var exchange = Captures.Assign(0, DateTimeOffset.UtcNow);
        exchange.Variants["pricing"] = "v2";
        var capture = Captures.Write(Path.Combine(_folder, "two-flags.jsonl"), [exchange]);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(), Args(capture, "--replay-key", Key));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--flag", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_backend.Served.VariantHeaders);
    }

    [Fact]
    public async Task A_replay_without_a_key_is_refused_before_anything_is_sent()
    {
        var capture = Capture(grpc: 3, http: 0);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(), Args(capture));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("EXP_REPLAY_KEY", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_backend.Served.VariantHeaders);
    }
}
