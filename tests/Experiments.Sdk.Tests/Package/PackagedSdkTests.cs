using System.Diagnostics;
using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing.Ingestion;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Experiments.Sdk.Tests.Package;

/// <summary>
/// Experiments.Sdk as users get it: <c>dotnet pack</c>ed into a local feed, then referenced from a new grpc-dotnet
/// backend (its own folder, nuget.config and props, warnings as errors) beside Grpc.AspNetCore, reflection, health
/// checks, Grpc.StatusProto and Dapr.Client, built, run as its own process and called over a loopback socket.
/// Slow (it packs and builds: 1.5 minutes on a loaded 2-core VM, most of it the pack): marked with the trait
/// <c>Category=Slow</c>, and run by .ci/run like every other test (<c>--filter Category!=Slow</c> leaves it out locally).
/// </summary>
public sealed class PackagedSdkTests(ITestOutputHelper output)
{
    private const string Greeter = "fresh.v1.Greeter";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Packed_sdk_builds_into_a_fresh_grpc_dotnet_backend_without_a_second_copy_of_any_type_and_records_its_calls()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var version = "0.0.0-pkgtest-" + Guid.NewGuid().ToString("N")[..12];
        var root = Directory.CreateTempSubdirectory("experiments-sdk-package-");
        var clock = Stopwatch.StartNew();
        try
        {
            // The package: ordinary dependencies, and no assembly of anyone else's inside.
            var feed = Path.Combine(root.FullName, "feed");
            var package = await SdkPackage.PackAsync(feed, Path.Combine(root.FullName, "artifacts"), version, StepTimeout);
            Assert.Contains("lib/net10.0/Experiments.Sdk.dll", package.LibAssemblies);
            Assert.All(package.LibAssemblies, dll => Assert.StartsWith("lib/net10.0/Experiments.", dll, StringComparison.Ordinal));
            foreach (var dependency in new[] { "Grpc.Net.Client", "Google.Protobuf", "Microsoft.FeatureManagement", "Microsoft.FeatureManagement.AspNetCore" })
            {
                Assert.True(package.Dependencies.ContainsKey(dependency), dependency + " is not a dependency: " + string.Join(", ", package.Dependencies.Keys));
            }
            Assert.DoesNotContain(package.Dependencies.Keys, id => id.StartsWith("Experiments.", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("Microsoft.AspNetCore.App", package.FrameworkReferences);
            output.WriteLine($"packed in {clock.Elapsed.TotalSeconds:F0} s");

            // A backend a user writes around it, built with warnings as errors.
            var backendFolder = Path.Combine(root.FullName, "backend");
            var packages = new[] { "Grpc.AspNetCore", "Grpc.AspNetCore.Server.Reflection", "Grpc.AspNetCore.HealthChecks", "Grpc.StatusProto", "Dapr.Client" }
                .ToDictionary(p => p, Repository.PinnedVersion);
            packages["Experiments.Sdk"] = version;
            await FreshBackend.WriteAsync(backendFolder, feed, packages, StepTimeout);
            var (exitCode, buildOutput) = await DotnetCli.RunAsync(backendFolder, StepTimeout, "build", "-c", "Release", "--disable-build-servers");
            Assert.True(exitCode == 0, "The fresh backend did not build:\n" + buildOutput);
            output.WriteLine($"backend built at {clock.Elapsed.TotalSeconds:F0} s");
            var built = Path.Combine(backendFolder, "bin", "Release", "net10.0");

            // No public type of the package's assemblies is defined again by the app's other assemblies or the shared frameworks.
            var ours = package.ExtractLibAssemblies(Path.Combine(root.FullName, "lib"));
            var ourNames = ours.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var theirs = Directory.GetFiles(built, "*.dll").Where(dll => !ourNames.Contains(Path.GetFileName(dll)))
                .Concat(Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll"))
                .Concat(Directory.GetFiles(Path.GetDirectoryName(typeof(WebApplication).Assembly.Location)!, "*.dll"))
                .ToArray();
            Assert.Contains(theirs, dll => Path.GetFileName(dll) == "Grpc.HealthCheck.dll");
            Assert.Empty(PublicTypes.Shared(ours, theirs));

            // Run it against an ingestion double on a loopback port and call it as a client would.
            var ingestion = new IngestionDouble();
            await using var ingestionServer = await ingestion.StartAsync(loopback: true);
            await using var backend = await FreshBackend.StartAsync(Path.Combine(built, "Fresh.Backend.dll"), new Dictionary<string, string>
            {
                ["Experiments__IngestionAddress"] = ingestionServer.Address!,
                ["Experiments__ClientId"] = "metadata:x-client-id",
                ["Experiments__FlushInterval"] = "00:00:00.050",
                ["Logging__LogLevel__Default"] = "Warning",
            }, StepTimeout);
            using var channel = GrpcChannel.ForAddress(backend.Address);

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await HealthAsync(channel, timeout.Token));
            Assert.Contains(Greeter, await ListServicesAsync(channel, timeout.Token));

            var reply = await SayHelloAsync(channel, "Ada", "fresh-user-7", timeout.Token);
            Assert.Equal("Hello Ada", reply);
            var refused = await Assert.ThrowsAsync<RpcException>(() => SayHelloAsync(channel, "", "fresh-user-8", timeout.Token));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

            // Each call reaches ingestion as a request event of its unit.
            try
            {
                await ingestion.WaitForAsync(events => RequestOf(events, "fresh-user-7") is not null && RequestOf(events, "fresh-user-8") is not null, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("No request events for both calls reached ingestion; it has " + ingestion.Events.Count + " events. The backend's output:\n" + backend.Output);
            }
            var served = RequestOf(ingestion.Events, "fresh-user-7")!;
            Assert.Equal(Greeter + "/SayHello", served.ApiName);
            Assert.Equal((int)StatusCode.OK, served.StatusCode);
            Assert.False(served.Error);
            Assert.Equal("fresh-client", served.ClientId);
            Assert.Equal("", served.Dependency);
            Assert.True(served.LatencyMs > 0, "latency " + served.LatencyMs);
            var failed = RequestOf(ingestion.Events, "fresh-user-8")!;
            Assert.Equal((int)StatusCode.InvalidArgument, failed.StatusCode);
            output.WriteLine($"calls recorded at {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            root.Delete(recursive: true);
            DeleteFromGlobalPackages(version);
        }
    }

    /// <summary>
    /// SayHello with a client of this test's own: HelloRequest and HelloReply each hold one string as field 1, the
    /// same wire form as google.protobuf.StringValue, so the test needs none of the backend's generated code.
    /// </summary>
    private static async Task<string> SayHelloAsync(GrpcChannel channel, string name, string userId, CancellationToken cancellationToken)
    {
        var marshaller = Marshallers.Create(message => message.ToByteArray(), StringValue.Parser.ParseFrom);
        var method = new Method<StringValue, StringValue>(MethodType.Unary, Greeter, "SayHello", marshaller, marshaller);
        var headers = new Metadata { { "x-user-id", userId }, { "x-client-id", "fresh-client" } };
        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(headers, cancellationToken: cancellationToken), new StringValue { Value = name });
        return reply.Value;
    }

    /// <summary>The backend's grpc.health.v1 status, once it is past UNKNOWN (health checks publish their first result after start) or after 30 s.</summary>
    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var client = new Health.HealthClient(channel);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = (await client.CheckAsync(new HealthCheckRequest(), cancellationToken: cancellationToken)).Status;
            if (status != HealthCheckResponse.Types.ServingStatus.Unknown || DateTime.UtcNow > until)
            {
                return status;
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task<IReadOnlyList<string>> ListServicesAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, cancellationToken);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
    }

    private static RequestEvent? RequestOf(IEnumerable<Event> events, string userId) =>
        events.FirstOrDefault(e => e.KindCase == Event.KindOneofCase.Request && e.UserId == userId)?.Request;

    /// <summary>Restore extracted this test's one-off version into the global packages folder; nothing else will use it.</summary>
    private static void DeleteFromGlobalPackages(string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var folder = new DirectoryInfo(Path.Combine(packages, "experiments.sdk", version.ToLowerInvariant()));
        if (folder.Exists)
        {
            folder.Delete(recursive: true);
        }
    }
}
