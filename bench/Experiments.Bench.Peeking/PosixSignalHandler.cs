using System.Runtime.InteropServices;

namespace Experiments.Bench.Peeking;

/// <summary>Ctrl+C and SIGTERM end the simulation early, as the time limit does, so the services are still stopped.</summary>
internal static class PosixSignalHandler
{
    public static IDisposable CancelOnInterrupt(CancellationTokenSource source)
    {
        var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return new Both(interrupt, terminate);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            source.Cancel();
        }
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
