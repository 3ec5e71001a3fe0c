using System.Collections.Concurrent;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Evaluation;

/// <summary>The variant each flag serves while the SDK has no definition for it (registered with <c>WithVariantService</c>).</summary>
internal sealed class FallbackVariants
{
    private readonly ConcurrentDictionary<string, Variant> _byFlag = new(StringComparer.Ordinal);

    public FallbackVariants(IEnumerable<FallbackRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            Set(registration.FlagKey, registration.VariantName);
        }
    }

    public void Set(string flagKey, string variantName) => _byFlag[flagKey] = new Variant { Name = variantName };

    public Variant? For(string flagKey) => _byFlag.GetValueOrDefault(flagKey);
}
