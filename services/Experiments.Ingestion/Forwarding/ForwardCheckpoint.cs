using System.Globalization;
using System.Text;
using Experiments.Ingestion.Log;

namespace Experiments.Ingestion.Forwarding;

/// <summary>The forwarder's confirmed position, kept in a small file written atomically and durably.</summary>
internal sealed class ForwardCheckpoint(string path)
{
    public string Path => path;

    public long Load()
    {
        if (!File.Exists(path))
        {
            return 0;
        }
        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw new InvalidDataException($"'{path}' does not hold a log position.");
    }

    public void Save(long position) =>
        DirectorySync.WriteFileAtomically(path, Encoding.ASCII.GetBytes(position.ToString(CultureInfo.InvariantCulture) + "\n"));
}
