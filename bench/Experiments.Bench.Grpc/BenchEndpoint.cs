namespace Experiments.Bench.Grpc;

/// <summary>One side of the comparison: its app's address on the bench server, and a client for it.</summary>
internal sealed class BenchEndpoint(string name, Uri address) : IDisposable
{
    public const string GrpcDotnetName = "grpc-dotnet";
    public const string BareName = "bare";

    public string Name => name;

    public Uri Address => address;

    public RawGrpcClient Client { get; } = new(address);

    public bool IsGrpcDotnet => name == GrpcDotnetName;

    public Uri UrlOf(string path) => new(address, path);

    public void Dispose() => Client.Dispose();
}
