using System.Text.Json;
using System.Text.Json.Nodes;
using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing.Ingestion;
using Experiments.Tests.Shared;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>
/// The SDK's interceptor on a Grpc.AspNetCore server, on Kestrel at 127.0.0.1, called by grpcio (a gRPC implementation that is
/// not ours): what ingestion receives for each call, what the caller gets back, and the unit the handler is served,
/// checked against the real assignment service's AssignBatch.
/// </summary>
public sealed class GrpcInterceptorTests
{
    private const string Service = "experiments.testing.v1.EchoService";

    // gRPC status codes (grpc/grpc doc/statuscodes.md).
    private const int Ok = 0;
    private const int Unknown = 2;
    private const int NotFound = 5;
    private const int PermissionDenied = 7;
    private const int Internal = 13;
    private const int Unavailable = 14;

    [Fact]
    public async Task Each_grpcio_call_is_recorded_with_its_method_status_error_and_metadata_unit_and_failures_reach_the_caller()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var assignment = await AssignmentHost.StartAsync();
        var experiment = SampleDefinitions.Running(rollout: 100, controlWeight: 50);
        experiment.Id = "";
        experiment.Status = ExperimentStatus.Unspecified;
        experiment.Revision = 0;
        await assignment.CreateAndStartAsync("engine-v2", experiment);
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await GrpcSdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = assignment.Address;
            options.ApiKey = AssignmentHost.ReadKey;
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.UserId = UnitIdSource.FromGrpcMetadata("x-user-id");
            options.ClientId = UnitIdSource.FromGrpcMetadata("x-client-id");
            options.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, SdkApp.Servers(ingestion: ingestionServer));
        await app.Status.WaitForDefinitionsAsync(0, timeout.Token);

        // First a call without a unit: nothing to join it to, so nothing may be recorded for it.
        var calls = new List<Call> { new("Echo", "", "mobile", Ok) };
        for (var i = 0; i < 40; i++)
        {
            calls.Add(new Call("Echo", "user-" + i, i % 2 == 0 ? "mobile" : "", Ok));
        }
        calls.Add(new Call("ExpandEcho", "user-40", "mobile", Ok));
        calls.Add(new Call("CollectEcho", "user-41", "mobile", Ok));
        calls.Add(new Call("StreamEcho", "user-42", "mobile", Ok));
        calls.Add(new Call("Echo", "user-43", "mobile", NotFound, ErrorMessage: "no such order"));
        calls.Add(new Call("Echo", "user-44", "mobile", Unavailable, ErrorMessage: "engine down"));
        calls.Add(new Call("Echo", "user-45", "mobile", Unknown, Message: VariantEchoService.Throw));
        calls.Add(new Call("ExpandEcho", "user-46", "mobile", Internal, ErrorMessage: "lost the book"));
        calls.Add(new Call("CollectEcho", "user-47", "mobile", PermissionDenied, ErrorMessage: "not yours"));
        var expected = await ExpectedVariantsAsync(assignment, calls.Select(c => c.User));

        var results = await CallWithGrpcioAsync(app.Target, calls, timeout.Token);

        // What the caller got: every status as the handler set it, none swallowed, and the unit's variant.
        for (var i = 0; i < calls.Count; i++)
        {
            var (call, result) = (calls[i], results[i]);
            Assert.True(call.Code == result.Code, $"call {i} ({call.Method} for '{call.User}'): status {result.Code} '{result.Details}', expected {call.Code}");
            if (call.Code == Ok)
            {
                var variant = expected[call.User].VariantKey;
                string[] answers = call.Method switch
                {
                    "CollectEcho" => [variant + "," + variant],
                    "Echo" => [variant],
                    _ => [variant, variant],
                };
                Assert.Equal(answers, result.Messages);
            }
            else if (call.ErrorMessage is not null)
            {
                Assert.Equal(call.ErrorMessage, result.Details);
            }
        }

        // What ingestion received: one request event per call with a unit, as the call ended.
        var named = calls.Where(c => c.User.Length > 0).ToArray();
        await ingestion.WaitForAsync(events => events.Count(e => e.Request is { Measure: RequestMeasure.Call }) >= named.Length, timeout.Token);
        var requests = ingestion.Events.Where(e => e.Request is { Measure: RequestMeasure.Call }).ToArray();
        Assert.Equal(named.Length, requests.Length);
        var byUser = requests.ToDictionary(e => e.UserId);
        foreach (var call in named)
        {
            var recorded = byUser[call.User].Request;
            Assert.Equal(
                (Service + "/" + call.Method, call.Code, IsServerError(call.Code), call.Client),
                (recorded.ApiName, recorded.StatusCode, recorded.Error, recorded.ClientId));
            Assert.True(recorded.LatencyMs > 0, $"{call.User}: latency {recorded.LatencyMs} ms");
        }

        // Calls that stream responses also report their first message and, as they end, how many messages they sent:
        // for a call that succeeded, as many as the grpcio client received.
        var streamed = named.Select(call => (call, received: results[calls.IndexOf(call)].Messages.Length))
            .Where(c => c.call.Method is "ExpandEcho" or "StreamEcho" && c.call.Code == Ok).ToArray();
        foreach (var (call, received) in streamed)
        {
            var api = Service + "/" + call.Method;
            var count = Assert.Single(ingestion.Events, e => e.UserId == call.User && e.CustomMetric is not null);
            Assert.Equal((api + "#messages", (double)received), (count.CustomMetric.MetricName, count.CustomMetric.Value));
            var first = ingestion.Events.Where(e => e.UserId == call.User && e.Request is { Measure: RequestMeasure.FirstMessage }).ToArray();
            Assert.Equal(received > 0 ? 1 : 0, first.Length);
            Assert.All(first, e => Assert.Equal(api + "#first-message", e.Request.ApiName));
            Assert.All(first, e => Assert.True(e.Request.LatencyMs <= byUser[call.User].Request.LatencyMs));
        }
        Assert.Contains(streamed, s => s.received > 0);

        // Exposures name the variant the service assigns, for the units it puts in the experiment.
        var exposures = ingestion.Events.Where(e => e.Exposure is not null).ToArray();
        Assert.All(exposures, e => Assert.Equal(expected[e.UserId].VariantKey, e.Exposure.VariantKey));
        var servedInExperiment = named.Where(c => c.Code == Ok && expected[c.User].InExperiment).Select(c => c.User).ToHashSet();
        Assert.Subset(exposures.Select(e => e.UserId).ToHashSet(), servedInExperiment);
        Assert.Contains(servedInExperiment, user => expected[user].VariantKey == "control");
        Assert.Contains(servedInExperiment, user => expected[user].VariantKey == "fast-engine");
    }

    /// <summary>The statuses the interceptor counts as the server failing the caller.</summary>
    private static bool IsServerError(int code) => code is Unknown or 4 or 8 or 12 or Internal or Unavailable or 15;

    private static async Task<Dictionary<string, VariantAssignment>> ExpectedVariantsAsync(AssignmentHost assignment, IEnumerable<string> users)
    {
        var distinct = users.Distinct().ToArray();
        var request = new AssignBatchRequest { FlagKeys = { SampleDefinitions.Flag } };
        request.Contexts.AddRange(distinct.Select(user => new EvaluationContext { UserId = user }));
        var response = await assignment.AssignBatchAsync(request);
        return distinct.Select((user, i) => (user, response.Results[i].Assignments[0])).ToDictionary(p => p.user, p => p.Item2);
    }

    private static async Task<Result[]> CallWithGrpcioAsync(string target, IReadOnlyList<Call> calls, CancellationToken cancellationToken)
    {
        using var process = Python.Start("sdk_grpc_calls.py", Python.ProtosRoot, target);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var input = JsonSerializer.Serialize(calls.Select(c => new Dictionary<string, object>
        {
            ["method"] = c.Method,
            ["message"] = c.Message ?? "hello",
            ["user"] = c.User,
            ["client"] = c.Client,
            ["error_code"] = c.ErrorMessage is null ? 0 : c.Code,
            ["error_message"] = c.ErrorMessage ?? "",
        }));
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.ExitCode == 0 && lines.Length == calls.Count, $"grpcio client exited {process.ExitCode}: {await output}{await errors}");
        return lines.Select(line => JsonNode.Parse(line)!).Select(node => new Result(
            (int)node["code"]!,
            (string)node["details"]!,
            node["messages"]!.AsArray().Select(m => (string)m!).ToArray())).ToArray();
    }

    private sealed record Call(string Method, string User, string Client, int Code, string? ErrorMessage = null, string? Message = null);

    private sealed record Result(int Code, string Details, string[] Messages);
}
