using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Perfolizer.Metrology;

namespace Experiments.Bench.Sdk;

/// <summary>
/// What the overhead tables show besides the defaults: allocations in bytes (the target counts objects, and a KB
/// rounded to two decimals hides one), and the minimum and median beside the mean, which on a VM shared with other
/// builds are nearer the machine's unloaded speed than a mean pulled up by preempted iterations.
/// </summary>
public sealed class OverheadConfig : ManualConfig
{
    public OverheadConfig()
    {
        AddColumn(StatisticColumn.Min, StatisticColumn.Median);
        SummaryStyle = SummaryStyle.Default.WithSizeUnit(SizeUnit.B);
    }
}
