using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Tests.Support;

/// <summary>The service a backend rolls out a new implementation of: one implementation per variant.</summary>
public interface IOrderEngine
{
    string Variant { get; }
}

[VariantServiceAlias("control")]
public sealed class ClassicEngine : IOrderEngine
{
    public string Variant => "control";
}

[VariantServiceAlias("fast-engine")]
public sealed class FastEngine : IOrderEngine
{
    public string Variant => "fast-engine";
}
