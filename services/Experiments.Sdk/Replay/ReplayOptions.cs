namespace Experiments.Sdk.Replay;

/// <summary>
/// Replays by <c>exp replay</c> (section <c>Experiments:Replay</c>). A request carrying
/// <c>x-experiments-replay-variant: flag=variant,…</c> and an <c>x-experiments-replay-token</c> signed with
/// <see cref="Key"/> for exactly that header value (and not expired) is served those variants and is not reported:
/// no request telemetry, no exposure, no capture. Any other request with the variant header has it ignored and is
/// counted (<c>experiments.sdk.replay.refused</c>). Defaults: off, no key.
/// </summary>
public sealed class ReplayOptions
{
    /// <summary>Honour replay tokens at all (default false).</summary>
    public bool Enabled { get; set; }

    /// <summary>The signing key shared with <c>exp replay --replay-key</c>; its UTF-8 bytes are the HMAC-SHA256 key. Keep it secret.</summary>
    public string? Key { get; set; }
}
