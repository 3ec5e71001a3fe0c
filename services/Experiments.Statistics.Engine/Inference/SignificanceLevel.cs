using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Inference;

/// <summary>Argument checks for significance levels and probabilities.</summary>
internal static class SignificanceLevel
{
    public static void Validate(double alpha, [CallerArgumentExpression(nameof(alpha))] string? name = null)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(name, alpha, "Must lie strictly between 0 and 1.");
        }
    }
}
