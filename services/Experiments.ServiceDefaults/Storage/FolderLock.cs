using Experiments.ServiceDefaults.Configuration;

namespace Experiments.ServiceDefaults.Storage;

/// <summary>
/// An exclusive hold on a folder of stored state for as long as the process owns it: one writer per log, per SQLite
/// file. Two processes on one folder would each take the other's records for its own (an ingestion log cut the other's
/// "torn" tail and lost acknowledged events), so the second is refused at start with a configuration error naming the
/// folder. The hold is the OS's (flock on Linux and macOS, a sharing lock on Windows) on a <c>.lock</c> file: it ends
/// with the process, however it ends, and a lock file left behind by a killed process does not block the next one.
/// </summary>
public sealed class FolderLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly FileStream _file;

    private FolderLock(FileStream file, string folder)
    {
        _file = file;
        Folder = folder;
    }

    /// <summary>The folder held.</summary>
    public string Folder { get; }

    /// <summary>Takes <paramref name="folder"/> (creating it), or throws a <see cref="ConfigurationException"/> naming <paramref name="setting"/>.</summary>
    public static FolderLock Acquire(string folder, string setting)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId);
            }
            file.Flush(flushToDisk: true);
            return new FolderLock(file, folder);
        }
        catch (IOException)
        {
            throw new ConfigurationException(setting,
                $"{folder} is in use by another process (it holds {path}); stop that process, or give this one a folder of its own");
        }
    }

    public void Dispose() => _file.Dispose();
}
