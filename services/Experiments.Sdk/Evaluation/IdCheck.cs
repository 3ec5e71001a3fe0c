using System.Text;

namespace Experiments.Sdk.Evaluation;

/// <summary>Which id of a request.</summary>
internal enum IdKind
{
    User = 0,
    Session = 1,
    Client = 2,
}

/// <summary>Why an id a request carries (a unit id, a client id) is not used.</summary>
internal enum IdProblem
{
    None = 0,

    /// <summary>Empty or absent.</summary>
    Missing,

    /// <summary>Longer than <c>ExperimentsOptions.MaxIdLength</c>.</summary>
    TooLong,

    /// <summary>
    /// Not text that survives UTF-8: an unpaired surrogate, a control character, or U+FFFD (what a decoder leaves
    /// where the bytes on the wire were not valid UTF-8).
    /// </summary>
    Invalid,
}

/// <summary>
/// Checks the ids a request carries before they key a unit or travel in an event: ingestion would reject an event with
/// one of these, and with it the request's measurement, so the SDK drops the id instead and counts why.
/// </summary>
internal static class IdCheck
{
    public static IdProblem Check(string value, int maxLength)
    {
        if (value.Length == 0)
        {
            return IdProblem.Missing;
        }
        if (value.Length > maxLength)
        {
            return IdProblem.TooLong;
        }
        // Printable ASCII, nearly every id: one vectorized scan.
        return value.AsSpan().ContainsAnyExceptInRange(' ', '~') && !IsValidText(value) ? IdProblem.Invalid : IdProblem.None;
    }

    private static bool IsValidText(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            // EnumerateRunes yields U+FFFD for an unpaired surrogate too.
            if (rune == Rune.ReplacementChar || Rune.IsControl(rune))
            {
                return false;
            }
        }
        return true;
    }
}
