using System.Runtime.InteropServices;

namespace Experiments.Launcher;

/// <summary>The one POSIX call .NET does not expose: sending a child a signal other than SIGKILL.</summary>
internal static partial class Posix
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int processId, int signal);
}
