namespace Experiments.Assignment.Definitions;

/// <summary>One arm: its key, relative weight (weights of an experiment sum to 100), and optional payload.</summary>
public sealed record ExperimentVariant(string Key, string DisplayName, double Weight, bool IsControl, string Payload);
