using System.Diagnostics;
using System.Text;
using Experiments.Evaluation.Replay;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Replay;

/// <summary>
/// Decides whether a request is a replay allowed to force its variants: it must carry the variant header once and a token
/// that <see cref="ReplayToken.Verify"/> accepts for exactly that header value, with replay enabled and a key configured.
/// Any other request carrying the variant header has it ignored, and is counted (and logged at most once a minute).
/// A request without the header costs one header lookup.
/// </summary>
internal sealed class ReplayGate
{
    private static readonly long LogEvery = Stopwatch.Frequency * 60;

    private readonly byte[] _key;
    private readonly bool _enabled;
    private readonly ExperimentsMetrics _metrics;
    private readonly ILogger<ReplayGate> _logger;
    private long _lastLog = long.MinValue;

    public ReplayGate(IOptions<ExperimentsOptions> options, ExperimentsMetrics metrics, ILogger<ReplayGate> logger)
    {
        var replay = options.Value.Replay;
        _key = string.IsNullOrEmpty(replay.Key) ? [] : Encoding.UTF8.GetBytes(replay.Key);
        _enabled = replay.Enabled && _key.Length > 0;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Checks tokens against this clock (tests move it).</summary>
    internal TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The variants <paramref name="request"/> may force (flag key → variant name), or null: not a replay, or refused.</summary>
    public IReadOnlyDictionary<string, string>? Check(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(ReplayToken.VariantHeader, out var variants))
        {
            return null;
        }
        if (!_enabled)
        {
            return Refuse(ReplayRefusal.Disabled);
        }
        if (variants.Count != 1 || !request.Headers.TryGetValue(ReplayToken.TokenHeader, out var token) || token.Count != 1)
        {
            return Refuse(ReplayRefusal.BadToken);
        }
        if (!ReplayToken.Verify(_key, variants[0]!, token[0], Clock.GetUtcNow()))
        {
            return Refuse(ReplayRefusal.BadToken);
        }
        if (ReplayToken.ParseVariants(variants[0]) is not { } forced)
        {
            return Refuse(ReplayRefusal.Malformed);
        }
        _metrics.AddReplayServed();
        return forced;
    }

    private IReadOnlyDictionary<string, string>? Refuse(ReplayRefusal reason)
    {
        _metrics.AddReplayRefused(reason);
        var now = Stopwatch.GetTimestamp();
        var last = Volatile.Read(ref _lastLog);
        if ((last == long.MinValue || now - last >= LogEvery) && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
        {
            SdkLog.ReplayRefused(_logger, reason, _enabled);
        }
        return null;
    }
}
