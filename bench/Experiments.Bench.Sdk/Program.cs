using BenchmarkDotNet.Running;
using Experiments.Bench.Sdk;

BenchmarkSwitcher.FromAssembly(typeof(RequestOverheadBenchmarks).Assembly).Run(args);
