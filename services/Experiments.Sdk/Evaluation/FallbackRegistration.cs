namespace Experiments.Sdk.Evaluation;

/// <summary>A flag's fallback variant, as registered on the builder.</summary>
internal sealed record FallbackRegistration(string FlagKey, string VariantName);
