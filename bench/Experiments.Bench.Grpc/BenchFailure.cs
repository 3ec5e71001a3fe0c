namespace Experiments.Bench.Grpc;

/// <summary>A check of the bench failed: the figures of this run must not be trusted.</summary>
internal sealed class BenchFailure(string message) : Exception(message);
