using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Experiments.Sdk.Capture;

/// <summary>
/// A captured HTTP response's body feature: the app's writes (stream, pipe or file) go through <see cref="TeeStream"/>
/// to the server's body; starting, completing and buffering are the server's.
/// </summary>
internal sealed class CapturingResponseBody(IHttpResponseBodyFeature prior, TeeStream tee) : IHttpResponseBodyFeature
{
    private PipeWriter? _writer;

    public Stream Stream => tee;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(tee, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering() => prior.DisableBuffering();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await prior.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(tee, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await prior.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Writes what the app left in the pipe (if it used one) through the tee; starts nothing otherwise.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
