namespace Experiments.Assignment.Definitions;

/// <summary>A named share of units kept out of every experiment that names the holdout.</summary>
public sealed record HoldoutSpec(string Name, double Percent);
