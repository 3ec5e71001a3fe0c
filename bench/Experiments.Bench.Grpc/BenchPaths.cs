namespace Experiments.Bench.Grpc;

/// <summary>The paths the bench server serves; grpc-dotnet and bare serve the calls on the same paths.</summary>
internal static class BenchPaths
{
    public const string Unary = "/experiments.testing.v1.BenchService/Unary";
    public const string ServerStream = "/experiments.testing.v1.BenchService/ServerStream";
    public const string Stats = "/bench/stats";

    public static readonly string[] Calls = [Unary, ServerStream];
}
