using System.Collections.Concurrent;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>
/// What the server saw of calls, by request message: lets tests wait until a handler is waiting, and check
/// that a cancellation reached it.
/// </summary>
public sealed class ServerCallObserver
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

    public void ReportWaiting(string message) => Get(_waiting, message).TrySetResult();

    public void ReportCancelled(string message) => Get(_cancelled, message).TrySetResult();

    /// <summary>Completes when the handler of the call whose request said <paramref name="message"/> starts waiting.</summary>
    public Task WhenWaiting(string message) => Get(_waiting, message).Task;

    /// <summary>Completes when the handler of the call whose request said <paramref name="message"/> saw its cancellation.</summary>
    public Task WhenCancelled(string message) => Get(_cancelled, message).Task;

    private static TaskCompletionSource Get(ConcurrentDictionary<string, TaskCompletionSource> map, string message) =>
        map.GetOrAdd(message, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
