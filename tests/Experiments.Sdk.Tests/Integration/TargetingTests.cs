using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>
/// Targeted experiments through the SDK's middleware: the groups and attributes the configured sources read from each
/// request must make the SDK serve what the real assignment service's AssignBatch assigns for the same context.
/// </summary>
public sealed class TargetingTests
{
    private const int Units = 300;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Groups_and_attributes_from_request_headers_target_as_the_assignment_service_does(bool httpContextAccessor)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var service = await AssignmentHost.StartAsync();
        var experiment = SampleDefinitions.Running(rollout: 100, controlWeight: 50);
        experiment.Id = "";
        experiment.Status = ExperimentStatus.Unspecified;
        experiment.Revision = 0;
        experiment.Targeting = new Targeting
        {
            Groups = { "beta", "preview" },
            ExcludedGroups = { "staff" },
            ExcludedUserIds = { "user-12" },
            AttributeRules =
            {
                new AttributeRule { Attribute = "region", Operator = AttributeOperator.NotIn, Values = { "us-east" } },
                new AttributeRule { Attribute = "client_version", Operator = AttributeOperator.GreaterThanOrEqual, Values = { "2.4" } },
            },
        };
        await service.CreateAndStartAsync("engine-v2", experiment);
        // The sources as an app would write them in appsettings.json; the bare name is a header too.
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = service.Address;
            options.ApiKey = AssignmentHost.ReadKey;
        }, kestrel: true, httpContextAccessor: httpContextAccessor, configuration: new Dictionary<string, string?>
        {
            ["Experiments:Groups"] = "header:x-groups",
            ["Experiments:Attributes:region"] = "header:x-region",
            ["Experiments:Attributes:client_version"] = "x-client-version",
        });
        await app.Status.WaitForDefinitionsAsync(0, timeout.Token);

        var units = Enumerable.Range(0, Units).Select(Unit).ToArray();
        var request = new AssignBatchRequest { FlagKeys = { SampleDefinitions.Flag } };
        request.Contexts.AddRange(units.Select(u => u.Context));
        var expected = (await service.AssignBatchAsync(request)).Results.Select(r => r.Assignments[0]).ToArray();

        // Concurrent requests, so a unit leaking from one request into another would show.
        var served = new ConcurrentDictionary<int, (string Flags, string Quote)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Units), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token }, async (i, _) =>
        {
            var flags = await app.GetAsync("/flags/" + SampleDefinitions.Flag, units[i].Headers);
            var quote = await app.GetAsync("/quotes/ACME", units[i].Headers);
            served[i] = (flags, quote);
        });

        for (var i = 0; i < Units; i++)
        {
            var assignment = expected[i];
            var want = (assignment.InExperiment + "|" + assignment.VariantKey, assignment.VariantKey);
            if (served[i] != want)
            {
                Assert.Fail($"{units[i].Context}: the service assigns {assignment.VariantKey} ({assignment.Reason}), the SDK served {served[i]}");
            }
        }
        // Every path of targeting was taken, so agreement means something.
        var reasons = expected.GroupBy(a => a.Reason).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(reasons.GetValueOrDefault(AssignmentReason.NotTargeted), Units / 4, Units);
        Assert.Contains(expected, a => a.InExperiment && a.VariantKey == "control");
        Assert.Contains(expected, a => a.InExperiment && a.VariantKey == "fast-engine");
    }

    /// <summary>A unit with some of: groups (one header, comma-separated, spaces around), a region, a client version.</summary>
    private static (EvaluationContext Context, (string, string)[] Headers) Unit(int i)
    {
        var context = new EvaluationContext { UserId = "user-" + i };
        var headers = new List<(string, string)> { ("x-user-id", context.UserId) };
        string[] groups = (i % 6) switch
        {
            0 => ["beta"],
            1 => ["beta", "staff"],
            2 => ["preview"],
            3 => [],
            4 => ["other", "beta"],
            _ => ["preview", "other"],
        };
        if (groups.Length > 0)
        {
            context.Groups.AddRange(groups);
            headers.Add(("x-groups", string.Join(" , ", groups)));
        }
        if (i % 5 != 4)
        {
            context.Attributes["region"] = i % 5 == 0 ? "us-east" : "eu-west";
            headers.Add(("x-region", context.Attributes["region"]));
        }
        if (i % 7 != 6)
        {
            context.Attributes["client_version"] = (i % 7) switch { 0 => "2.4", 1 => "2.10", 2 => "1.9", 3 => "10", _ => "3.0.1" };
            headers.Add(("x-client-version", context.Attributes["client_version"]));
        }
        return (context, [.. headers]);
    }
}
