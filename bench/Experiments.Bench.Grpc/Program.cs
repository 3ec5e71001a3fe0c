using Experiments.Bench.Grpc;

// The runner starts this same binary with `serve` as the server under test, in its own process.
return args is ["serve", ..]
    ? await BenchServer.RunAsync()
    : await BenchRunner.RunAsync(args);
