using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// The percentile ranges of Microsoft.FeatureManagement's allocation for an experiment's weights: consecutive
/// <c>[from, to)</c> slices of 0–100 in variant order, the last one ending at exactly 100. Zero-weight variants
/// get no range. Both the FeatureDefinition and the precompiled evaluator are built from these same doubles.
/// </summary>
public sealed record AllocationRanges(int[] VariantIndexes, double[] From, double[] To)
{
    public static AllocationRanges For(IReadOnlyList<ExperimentVariant> variants)
    {
        var total = variants.Sum(v => v.Weight);
        var indexes = new List<int>();
        var from = new List<double>();
        var to = new List<double>();
        var cumulative = 0.0;
        var lastPositive = -1;
        for (var i = 0; i < variants.Count; i++)
        {
            if (variants[i].Weight > 0)
            {
                lastPositive = i;
            }
        }
        for (var i = 0; i < variants.Count; i++)
        {
            if (variants[i].Weight <= 0)
            {
                continue;
            }
            var start = cumulative;
            cumulative += variants[i].Weight / total * 100;
            indexes.Add(i);
            from.Add(start);
            to.Add(i == lastPositive ? 100 : Math.Min(cumulative, 100));
        }
        return new AllocationRanges([.. indexes], [.. from], [.. to]);
    }
}
