namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// A point inside a histogram's ranks: bucket <paramref name="Slot"/> (bucket index + 1) and how far into that
/// bucket's count, as a fraction in [0, 1].
/// </summary>
internal readonly record struct BucketPosition(int Slot, double Fraction)
{
    public int BucketIndex => Slot - 1;
}
