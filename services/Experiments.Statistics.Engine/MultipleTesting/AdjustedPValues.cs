namespace Experiments.Statistics.Engine.MultipleTesting;

/// <summary>Adjusted p-values and rejection decisions, in the order of the input p-values.</summary>
/// <param name="Method">The procedure applied.</param>
/// <param name="Alpha">The family-wise error rate (Holm) or false discovery rate (Benjamini–Hochberg) controlled.</param>
/// <param name="Adjusted">Adjusted p-values, capped at 1: a hypothesis is rejected when its adjusted p-value is at most <paramref name="Alpha"/>.</param>
/// <param name="Rejected">Whether each hypothesis is rejected.</param>
public sealed record AdjustedPValues(
    MultipleTestingMethod Method,
    double Alpha,
    IReadOnlyList<double> Adjusted,
    IReadOnlyList<bool> Rejected);
