namespace Experiments.Sdk.Replay;

/// <summary>Why a request's replay variant header was ignored (the <c>reason</c> of <c>experiments.sdk.replay.refused</c>).</summary>
internal enum ReplayRefusal
{
    /// <summary>Replay is not enabled, or no key is configured.</summary>
    Disabled,

    /// <summary>The token is missing, repeated, expired, or not signed with the key for this exact variant header.</summary>
    BadToken,

    /// <summary>The token is valid but the variant header is not <c>flag=variant,…</c>.</summary>
    Malformed,
}
