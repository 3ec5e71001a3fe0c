using BenchmarkDotNet.Running;
using Experiments.Bench.Sdk;

if (args is ["cpu", "capture"])
{
    CpuTimeOverhead.RunCapture();
    return;
}
if (args is ["cpu"])
{
    CpuTimeOverhead.Run();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(RequestOverheadBenchmarks).Assembly).Run(args);
