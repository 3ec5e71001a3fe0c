namespace Experiments.Assignment.Definitions;

/// <summary>
/// The experiment's segment of a layer, <c>[SegmentStartPercent, SegmentStartPercent + TrafficPercent)</c> of the
/// layer's hash space. The start is allocated once and never moves, so layer membership is stable.
/// </summary>
public sealed record LayerSlot(string Name, double TrafficPercent, double SegmentStartPercent)
{
    public double SegmentEndPercent() => SegmentStartPercent + TrafficPercent;
}
