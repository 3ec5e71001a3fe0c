using System.Globalization;
using System.Runtime.InteropServices;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The same pairs as the BenchmarkDotNet classes, timed in this thread's CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>)
/// instead of wall-clock time: on a VM shared with other builds, a preempted thread's wall-clock time grows with the
/// load average, its CPU time does not. Rounds alternate reference and SDK so both see the same machine; each round
/// times a batch of calls, and the report gives the median per call of each side and their difference. Run with
/// <c>cpu</c> as the only argument, or <c>cpu capture</c> for the capture pairs (issue #16) alone.
/// </summary>
internal static partial class CpuTimeOverhead
{
    private const int Rounds = 9;
    private const int CallsPerRound = 200_000;
    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID, <time.h> on Linux

    public static void RunCapture()
    {
        var capture = new CaptureOverheadBenchmarks();
        capture.Setup();
        Report("Capture off (SDK against no SDK)", () => capture.NoSdk().GetAwaiter().GetResult(), () => capture.SdkCaptureOff().GetAwaiter().GetResult());
        Report("Capture on, not sampled (against capture off)", () => capture.SdkCaptureOff().GetAwaiter().GetResult(), () => capture.CaptureOnNotSampled().GetAwaiter().GetResult());
        Report("Capture on, sampled (against capture off)", () => capture.SdkCaptureOff().GetAwaiter().GetResult(), () => capture.CaptureOnSampled().GetAwaiter().GetResult(), CallsPerRound / 10);
        capture.Cleanup();
    }

    public static void Run()
    {
        var interceptor = new InterceptorOverheadBenchmarks();
        interceptor.Setup();
        Report("Interceptor, Plain", () => interceptor.WithoutInterceptor().GetAwaiter().GetResult(), () => interceptor.WithInterceptor().GetAwaiter().GetResult());
        Report("Interceptor, Accessor", () => interceptor.WithoutInterceptorAccessor().GetAwaiter().GetResult(), () => interceptor.WithInterceptorAccessor().GetAwaiter().GetResult());
        interceptor.Cleanup();

        var inUnit = new OutboundHttpBenchmarks();
        inUnit.SetupInUnit();
        Report("HttpClient, in a unit", () => inUnit.WithoutSdkInUnit().GetAwaiter().GetResult().Dispose(), () => inUnit.WithSdkInUnit().GetAwaiter().GetResult().Dispose());
        inUnit.Cleanup();

        var noUnit = new OutboundHttpBenchmarks();
        noUnit.SetupNoUnit();
        Report("HttpClient, no unit", () => noUnit.WithoutSdkNoUnit().GetAwaiter().GetResult().Dispose(), () => noUnit.WithSdkNoUnit().GetAwaiter().GetResult().Dispose());
        noUnit.Cleanup();
    }

    private static void Report(string pair, Action reference, Action sdk, int callsPerRound = CallsPerRound)
    {
        // Warm both (tiered JIT to its optimized code) before timing.
        Time(reference, callsPerRound);
        Time(sdk, callsPerRound);
        var without = new double[Rounds];
        var with = new double[Rounds];
        for (var r = 0; r < Rounds; r++)
        {
            without[r] = Time(reference, callsPerRound);
            with[r] = Time(sdk, callsPerRound);
        }
        var (a, b) = (Median(without), Median(with));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{pair}: without {a:F0} ns, with {b:F0} ns, added {b - a:F0} ns per call (thread CPU time, median of {Rounds} rounds of {callsPerRound:N0} calls, ratio {b / a:F2})"));
    }

    private static double Time(Action call, int count)
    {
        var start = ThreadCpuNanoseconds();
        for (var i = 0; i < count; i++)
        {
            call();
        }
        return (ThreadCpuNanoseconds() - start) / (double)count;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static long ThreadCpuNanoseconds()
    {
        if (ClockGetTime(ThreadCpuClock, out var now) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno " + Marshal.GetLastPInvokeError());
        }
        return now.Seconds * 1_000_000_000 + now.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
