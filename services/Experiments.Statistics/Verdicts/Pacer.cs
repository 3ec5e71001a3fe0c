using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Experiments.Statistics.Verdicts;

/// <summary>
/// The min_interval of the watch streams, per key (an experiment): the first item of a key goes out at once; a later
/// one inside the interval since the key's last item is held, a newer one replacing it, and the held one goes out as
/// soon as the interval has passed (trailing edge). So a stream sends at most one item per key per interval and the
/// latest item of every key always arrives.
/// </summary>
internal sealed class Pacer<T>(TimeSpan minInterval, Func<T, string> keyOf)
{
    private readonly Dictionary<string, DateTimeOffset> _lastSent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T> _held = new(StringComparer.Ordinal);

    /// <summary>When the next held item falls due, or null when none is held.</summary>
    public DateTimeOffset? NextDue => _held.Count == 0 ? null : _held.Keys.Min(k => _lastSent[k]) + minInterval;

    /// <summary>True when <paramref name="item"/> goes out now (it is then counted as sent); false when it is held.</summary>
    public bool Offer(T item, DateTimeOffset now)
    {
        var key = keyOf(item);
        if (_lastSent.TryGetValue(key, out var last) && now - last < minInterval)
        {
            _held[key] = item;
            return false;
        }
        _held.Remove(key);
        _lastSent[key] = now;
        return true;
    }

    /// <summary>The held items whose interval has passed, oldest first; they are counted as sent now.</summary>
    public List<T> TakeDue(DateTimeOffset now)
    {
        var due = _held.Keys.Where(k => now - _lastSent[k] >= minInterval).OrderBy(k => _lastSent[k]).ToList();
        var items = new List<T>(due.Count);
        foreach (var key in due)
        {
            items.Add(_held[key]);
            _held.Remove(key);
            _lastSent[key] = now;
        }
        return items;
    }

    /// <summary>The items of <paramref name="source"/> as this pacer lets them through, held ones when they fall due.</summary>
    public async IAsyncEnumerable<T> ReadAsync(ChannelReader<T> source, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Task<bool>? readable = null;
        while (true)
        {
            foreach (var item in TakeDue(time.GetUtcNow()))
            {
                yield return item;
            }
            while (source.TryRead(out var item))
            {
                if (Offer(item, time.GetUtcNow()))
                {
                    yield return item;
                }
            }
            readable ??= source.WaitToReadAsync(cancellationToken).AsTask();
            if (NextDue is { } due && due - time.GetUtcNow() is var wait && wait > TimeSpan.Zero)
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(readable, Task.Delay(wait, time, timer.Token)).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
            }
            else if (NextDue is null)
            {
                await readable.ConfigureAwait(false);
            }
            if (readable.IsCompleted)
            {
                if (!await readable.ConfigureAwait(false))
                {
                    break;
                }
                readable = null;
            }
        }
        // The source is complete: what is held still goes out, each when it falls due.
        while (NextDue is { } last)
        {
            var wait = last - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
            foreach (var item in TakeDue(time.GetUtcNow()))
            {
                yield return item;
            }
        }
    }
}
