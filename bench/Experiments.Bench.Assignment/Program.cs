using BenchmarkDotNet.Running;
using Experiments.Bench.Assignment;

// `remote`: Assign over HTTP/2 with h2load against the Foundation's bare Kestrel endpoint, in one process.
// Otherwise: BenchmarkDotNet, in-process evaluation (precompiled against IVariantFeatureManager).
return args is ["remote", .. var rest]
    ? await RemoteAssignBench.RunAsync(rest)
    : RunBenchmarks(args);

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(EvaluationBenchmarks).Assembly).Run(args);
    return 0;
}
