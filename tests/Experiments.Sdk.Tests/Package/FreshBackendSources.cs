namespace Experiments.Sdk.Tests.Package;

/// <summary>
/// The files of a new grpc-dotnet backend a user writes around the packed SDK: a greeter of its own, the SDK's
/// interceptor, reflection and health, rich errors from Grpc.StatusProto and a Dapr client — the packages a
/// Grpc.AspNetCore backend usually has, whose contract types the SDK must not bring a second copy of.
/// </summary>
internal static class FreshBackendSources
{
    /// <summary>The local feed first, then the machine's configured source, and nothing else.</summary>
    public static string NuGetConfig(string feed, IEnumerable<(string Name, string Source)> sources) =>
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n"
        + $"    <add key=\"experiments-test-feed\" value=\"{feed}\" />\n"
        + string.Concat(sources.Select(s => $"    <add key=\"{s.Name}\" value=\"{s.Source}\" />\n"))
        + "  </packageSources>\n</configuration>\n";

    /// <summary>
    /// Stops the search for the repository's props (none is above a temp folder, but a machine could have one) and
    /// makes every warning an error, as a strict team would: CS0436 and MSB3277 (a type or assembly brought twice)
    /// fail the build like CS0433 does.
    /// </summary>
    public const string DirectoryBuildProps = """
        <Project>
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <MSBuildTreatWarningsAsErrors>true</MSBuildTreatWarningsAsErrors>
          </PropertyGroup>
        </Project>
        """;

    public const string DirectoryPackagesProps = """
        <Project>
          <PropertyGroup>
            <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
          </PropertyGroup>
        </Project>
        """;

    public const string DirectoryBuildTargets = "<Project />\n";

    public static string Project(IReadOnlyDictionary<string, string> packages) =>
        "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n"
        + string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Key}\" Version=\"{p.Value}\" />\n"))
        + "  </ItemGroup>\n  <ItemGroup>\n    <Protobuf Include=\"Protos/greet.proto\" GrpcServices=\"Server\" />\n  </ItemGroup>\n</Project>\n";

    public const string GreetProto = """
        syntax = "proto3";

        package fresh.v1;

        option csharp_namespace = "Fresh.V1";

        service Greeter {
          rpc SayHello (HelloRequest) returns (HelloReply);
        }

        message HelloRequest {
          string name = 1;
        }

        message HelloReply {
          string message = 1;
        }
        """;

    /// <summary>Prints <c>listening URL</c> once Kestrel has bound its loopback port.</summary>
    public const string Program = """
        using Dapr.Client;
        using Fresh.V1;
        using Google.Protobuf.WellKnownTypes;
        using Grpc.Core;
        using Microsoft.AspNetCore.Server.Kestrel.Core;
        using Microsoft.Extensions.Diagnostics.HealthChecks;

        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(options => options.AddExperimentsInterceptor());
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy());
        builder.Services.AddExperiments();
        builder.Services.AddSingleton(_ => new DaprClientBuilder().Build());

        var app = builder.Build();
        app.UseExperiments();
        app.MapGrpcService<GreeterService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        await app.StartAsync();
        Console.WriteLine("listening " + app.Urls.First());
        await app.WaitForShutdownAsync();

        internal sealed class GreeterService : Greeter.GreeterBase
        {
            public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
            {
                if (request.Name.Length == 0)
                {
                    throw new Google.Rpc.Status
                    {
                        Code = (int)StatusCode.InvalidArgument,
                        Message = "name is required",
                        Details = { Any.Pack(new Google.Rpc.BadRequest { FieldViolations = { new Google.Rpc.BadRequest.Types.FieldViolation { Field = "name", Description = "must not be empty" } } }) },
                    }.ToRpcException();
                }
                return Task.FromResult(new HelloReply { Message = "Hello " + request.Name });
            }
        }

        /// <summary>Names a type of each standard contract the app's packages define: a second copy of one fails the build (CS0433).</summary>
        internal static class SharedContracts
        {
            public static readonly System.Type[] Types =
            [
                typeof(Grpc.Health.V1.HealthCheckResponse),
                typeof(Grpc.Reflection.V1Alpha.ServerReflectionRequest),
                typeof(Google.Rpc.Status),
                typeof(Google.Rpc.BadRequest),
                typeof(Google.Api.HttpRule),
                typeof(Google.Type.Money),
                typeof(Google.Protobuf.WellKnownTypes.Timestamp),
                typeof(Grpc.Net.Client.GrpcChannel),
                typeof(Microsoft.FeatureManagement.IVariantFeatureManager),
                typeof(DaprClient),
            ];
        }
        """;
}
