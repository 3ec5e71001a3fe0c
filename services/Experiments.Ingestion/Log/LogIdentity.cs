using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Experiments.Ingestion.Log;

/// <summary>
/// Who this log is: a random id (positions are scoped to it at the receiver) and the secret seed of its
/// event-id hashes. Created with the log, kept in <c>log.id</c> beside the segments.
/// </summary>
internal sealed record LogIdentity(string LogId, ulong HashSeed)
{
    private const string FileName = "log.id";

    public static LogIdentity LoadOrCreate(string dataPath)
    {
        var path = Path.Combine(dataPath, FileName);
        if (File.Exists(path))
        {
            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !ulong.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var seed))
            {
                throw new InvalidDataException($"'{path}' is not a log identity ('<log id> <hex seed>').");
            }
            return new LogIdentity(parts[0], seed);
        }
        var identity = new LogIdentity(
            "ingestion-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
        DirectorySync.WriteFileAtomically(path, Encoding.ASCII.GetBytes(
            identity.LogId + " " + identity.HashSeed.ToString("x16", CultureInfo.InvariantCulture) + "\n"));
        return identity;
    }
}
