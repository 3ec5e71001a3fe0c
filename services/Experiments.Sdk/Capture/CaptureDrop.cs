namespace Experiments.Sdk.Capture;

/// <summary>Why a sampled exchange was not delivered (the <c>reason</c> of <c>experiments.sdk.capture.dropped</c>).</summary>
internal enum CaptureDrop
{
    Budget,
    Error,
    Rejected,
    SendFailed,
    Shutdown,
}
