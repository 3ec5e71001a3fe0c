using Experiments.Cli;

return await ExpCli.RunAsync(args, CliHost.ForProcess()).ConfigureAwait(false);
