namespace Experiments.Bench.Grpc;

/// <summary>
/// One measured run of one endpoint: its rate (calls or messages per second), and the server's CPU time and
/// allocated bytes per call or message over the run.
/// </summary>
internal readonly record struct Measurement(double Rate, double CpuMicroseconds, double AllocatedBytes)
{
    public static Measurement From(double rate, long items, ServerStats before, ServerStats after) => new(
        rate,
        (after.CpuTime - before.CpuTime).TotalMicroseconds / items,
        (double)(after.AllocatedBytes - before.AllocatedBytes) / items);
}
