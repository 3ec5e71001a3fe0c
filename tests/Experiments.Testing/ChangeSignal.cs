namespace Experiments.Testing;

/// <summary>Wakes whoever waits for a double's state to meet a condition, so that tests wait for it instead of polling.</summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the check: a change between the check and the wait still wakes it.
            var next = Volatile.Read(ref _next).Task;
            if (condition())
            {
                return;
            }
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
