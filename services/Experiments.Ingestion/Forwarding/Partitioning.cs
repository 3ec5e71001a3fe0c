using System.Text;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Log;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Which partition an event belongs to: its unit (user_id, else session_id, else request_id), hashed with
/// 128-bit MurmurHash3 x64 (seed 0) of its UTF-8 bytes, low 64 bits modulo the partition count. Every
/// replica computes the same, so one unit's events always meet in one partition.
/// </summary>
public static class Partitioning
{
    public static string UnitOf(Event e) =>
        e.UserId.Length > 0 ? e.UserId : e.SessionId.Length > 0 ? e.SessionId : e.RequestId;

    public static int PartitionOf(Event e, int partitionCount)
    {
        if (partitionCount <= 1)
        {
            return 0;
        }
        var hash = EventIdHash.Murmur3(Encoding.UTF8.GetBytes(UnitOf(e)), 0);
        return (int)((ulong)hash % (ulong)partitionCount);
    }

    /// <summary>Whether each partition in [0, <paramref name="partitionCount"/>) is one of <paramref name="partitions"/>.</summary>
    internal static bool[] Mask(IEnumerable<int> partitions, int partitionCount)
    {
        var mask = new bool[partitionCount];
        foreach (var p in partitions)
        {
            mask[p] = true;
        }
        return mask;
    }
}
