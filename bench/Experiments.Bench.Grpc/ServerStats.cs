using System.Globalization;
using System.Text;

namespace Experiments.Bench.Grpc;

/// <summary>
/// What the bench server reports between runs: its calls per path, CPU time and allocated bytes. CPU time and
/// allocations per call tell the cost of a call apart from the machine's load, which throughput cannot.
/// </summary>
internal sealed record ServerStats(IReadOnlyDictionary<string, CallCounts> Calls, TimeSpan CpuTime, long AllocatedBytes)
{
    private const string CpuKey = "cpu-ticks";
    private const string AllocatedKey = "allocated-bytes";

    public CallCounts CallsOf(BenchEndpoint endpoint, string path) => Calls[Key(endpoint.Name, path)];

    /// <summary>This process's figures as <c>key value</c> lines, then <c>endpoint:path ok failed</c> lines.</summary>
    public static string Format(IReadOnlyDictionary<string, GrpcStatusCounters> countersByEndpoint)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{CpuKey} {Environment.CpuUsage.TotalTime.Ticks}\n");
        text.Append(CultureInfo.InvariantCulture, $"{AllocatedKey} {GC.GetTotalAllocatedBytes(precise: true)}\n");
        foreach (var (endpoint, counters) in countersByEndpoint)
        {
            foreach (var (path, calls) in counters.Snapshot())
            {
                text.Append(CultureInfo.InvariantCulture, $"{Key(endpoint, path)} {calls.Ok} {calls.Failed}\n");
            }
        }
        return text.ToString();
    }

    public static ServerStats Parse(string text)
    {
        var calls = new Dictionary<string, CallCounts>(StringComparer.Ordinal);
        var (cpu, allocated) = (TimeSpan.Zero, 0L);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case CpuKey:
                    cpu = TimeSpan.FromTicks(Number(parts[1]));
                    break;
                case AllocatedKey:
                    allocated = Number(parts[1]);
                    break;
                default:
                    calls[parts[0]] = new CallCounts(Number(parts[1]), Number(parts[2]));
                    break;
            }
        }
        return new ServerStats(calls, cpu, allocated);
    }

    private static string Key(string endpoint, string path) => endpoint + ":" + path;

    private static long Number(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
