namespace Experiments.Statistics.Engine.Proportions;

/// <summary>Argument checks shared by the proportion tests.</summary>
internal static class ProportionArguments
{
    public static void RequireTrials(BinomialCounts counts, string name)
    {
        if (counts.Trials == 0)
        {
            throw new ArgumentException("A proportion test needs at least one trial per arm.", name);
        }
    }
}
