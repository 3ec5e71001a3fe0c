namespace Experiments.Wire.Tests;

[CollectionDefinition(nameof(RunningServices))]
public sealed class RunningServicesCollection : ICollectionFixture<RunningServices>;
