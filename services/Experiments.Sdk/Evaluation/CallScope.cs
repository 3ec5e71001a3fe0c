using Experiments.Sdk.Capture;
using Experiments.Sdk.Definitions;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// What the SDK carries for one inbound call beyond its unit, for the rare calls that need it: the variants a verified
/// replay forces (and that the call is not to be reported), or the exchange being captured. Such a call puts its scope
/// on the flow; every other call pays one read of a static count, and nothing while no scope is open.
/// </summary>
internal sealed class CallScope
{
    private static readonly AsyncLocal<CallScope?> Local = new();
    private static int s_open;

    public CallScope(IReadOnlyDictionary<string, string>? forced, ExchangeRecorder? capture)
    {
        Forced = forced;
        Capture = capture;
    }

    /// <summary>The scope of the call on this flow; null for an ordinary call.</summary>
    public static CallScope? Current => Volatile.Read(ref s_open) == 0 ? null : Local.Value;

    /// <summary>Whether the call on this flow is a verified replay, whose telemetry, exposures and capture are withheld.</summary>
    public static bool IsReplaying => Current?.Forced is not null;

    /// <summary>Flag key → variant name forced by a verified replay; null for a captured call.</summary>
    public IReadOnlyDictionary<string, string>? Forced { get; }

    /// <summary>The exchange being recorded; null for a replay.</summary>
    public ExchangeRecorder? Capture { get; }

    /// <summary>Puts this scope on the flow. Call from an async method (which puts the flow back after) and <see cref="Exit"/> in its finally.</summary>
    public void Enter()
    {
        Interlocked.Increment(ref s_open);
        Local.Value = this;
    }

    public void Exit() => Interlocked.Decrement(ref s_open);

    /// <summary>The arm a replay forces for <paramref name="flag"/>; -1 when it forces none (or names no arm of it).</summary>
    public int ForcedArm(ServedFlag flag)
    {
        if (Forced is null || !Forced.TryGetValue(flag.Experiment.Definition.FlagKey, out var name))
        {
            return -1;
        }
        var variants = flag.Variants;
        for (var i = 0; i < variants.Length; i++)
        {
            if (variants[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Notes the variant served for <paramref name="flagKey"/>, for the captured exchange.</summary>
    public void Served(string flagKey, string? variant)
    {
        if (variant is not null)
        {
            Capture?.AddVariant(flagKey, variant);
        }
    }
}
