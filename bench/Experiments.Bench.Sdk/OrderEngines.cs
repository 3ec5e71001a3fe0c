using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>The service the benchmarks roll out: one implementation per variant.</summary>
public interface IOrderEngine
{
    string Quote(string symbol);
}

[VariantServiceAlias("control")]
public sealed class ClassicEngine : IOrderEngine
{
    public string Quote(string symbol) => "classic";
}

[VariantServiceAlias("fast-engine")]
public sealed class FastEngine : IOrderEngine
{
    public string Quote(string symbol) => "fast";
}
