using Experiments.Contracts.V1;

namespace Experiments.Ingestion.Captures;

/// <summary>One stored exchange with its paging key (start ticks, capture id).</summary>
internal sealed record StoredCapture(string CaptureId, long StartTicks, CapturedExchange Exchange);
