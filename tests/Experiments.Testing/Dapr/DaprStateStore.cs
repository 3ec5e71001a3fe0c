using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;

namespace Experiments.Testing.Dapr;

/// <summary>
/// One state store of the double, as docs.dapr.io describes the state API: every write gives the key a new ETag; an
/// item whose ETag does not match the stored one (or names a key that does not exist) is refused with ABORTED
/// ("possible etag mismatch", what daprd answers and the SDK's TrySave… methods read as false); with first-write
/// concurrency and no ETag, writing over an existing key is refused too. A transaction's operations apply all or none.
/// </summary>
public sealed class DaprStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (ByteString Value, long ETag)> _items = new(StringComparer.Ordinal);
    private long _etag;

    public int Writes { get; private set; }

    public IReadOnlyList<string> Keys
    {
        get
        {
            lock (_lock)
            {
                return [.. _items.Keys];
            }
        }
    }

    public (ByteString Value, string ETag)? Get(string key)
    {
        lock (_lock)
        {
            return _items.TryGetValue(key, out var item) ? (item.Value, item.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        }
    }

    /// <summary>Another writer replaces a key (e.g. a second replica configured with the same checkpoint name).</summary>
    public void OverwriteFromElsewhere(string key)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(key, out var item))
            {
                _items[key] = (item.Value, ++_etag);
            }
        }
    }

    internal void Write(IReadOnlyList<(string Operation, StateItem Item)> operations, bool fail)
    {
        lock (_lock)
        {
            if (fail)
            {
                throw new RpcException(new Status(StatusCode.Internal, "failed saving state in state store statestore: store down (test)"));
            }
            foreach (var (_, item) in operations)
            {
                var exists = _items.TryGetValue(item.Key, out var current);
                var etag = item.Etag?.Value;
                var stale = etag is { Length: > 0 }
                    ? !exists || current.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) != etag
                    : item.Options?.Concurrency == StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite && exists;
                if (stale)
                {
                    throw new RpcException(new Status(StatusCode.Aborted, $"failed saving state in state store statestore: possible etag mismatch. error from state store: key {item.Key}"));
                }
            }
            foreach (var (operation, item) in operations)
            {
                if (operation == "delete")
                {
                    _items.Remove(item.Key);
                }
                else
                {
                    _items[item.Key] = (item.Value, ++_etag);
                }
                Writes++;
            }
        }
    }
}
