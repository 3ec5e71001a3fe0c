namespace Experiments.Cli.Replay;

/// <summary>What one <c>exp replay</c> run does, resolved from its options.</summary>
/// <param name="Target">The backend replayed against.</param>
/// <param name="ControlVariant">The first <c>--variant</c>: the baseline.</param>
/// <param name="TreatmentVariant">The second <c>--variant</c>.</param>
/// <param name="Flag">The flag whose variant is forced; null to take it from each exchange's recorded variants.</param>
/// <param name="Key">The replay key's UTF-8 bytes (the HMAC key of the replay tokens).</param>
/// <param name="Headers">Values for redacted headers (and extra headers), by lower-case name.</param>
internal sealed record ReplaySettings(
    Uri Target,
    string ControlVariant,
    string TreatmentVariant,
    string? Flag,
    ReplaySpeed Speed,
    int Concurrency,
    int MaxExchanges,
    TimeSpan MaxDuration,
    byte[] Key,
    IReadOnlyDictionary<string, string> Headers)
{
    public IReadOnlyList<string> Variants => [ControlVariant, TreatmentVariant];
}
