namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>One arm of an experiment.</summary>
/// <param name="Key">Variant key, as exposures report it.</param>
/// <param name="Weight">Relative allocation weight (the SRM check's expectation).</param>
/// <param name="IsControl">The baseline every other arm is compared with.</param>
public sealed record VariantDefinition(string Key, double Weight, bool IsControl);
