namespace Experiments.Ingestion.Captures;

/// <summary>An invalid field of a Captures request (an exchange, a declaration, a filter): its path and what is wrong with it.</summary>
internal sealed record CaptureViolation(string Field, string Message);
