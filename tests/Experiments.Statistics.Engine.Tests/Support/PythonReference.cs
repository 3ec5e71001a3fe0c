using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Experiments.Statistics.Engine.Tests.Support;

/// <summary>
/// Runs a reference computation in Debian's Python (scipy, statsmodels): the script reads a JSON document
/// from stdin as <c>data</c> and prints one JSON document, which is returned. Scripts may print with
/// <c>emit(obj)</c>, which also accepts numpy values and writes non-finite floats as the strings
/// "inf", "-inf" and "nan" (JSON has no literal for them); read such values with <see cref="Number"/>.
/// </summary>
internal static class PythonReference
{
    // Debian's packages live under /usr/bin/python3; the python3 on PATH is a different interpreter.
    private const string Interpreter = "/usr/bin/python3";

    private const string Prelude = """
        import json, sys, math
        import numpy as np
        data = json.load(sys.stdin)
        def _plain(v):
            if isinstance(v, dict):
                return {k: _plain(x) for k, x in v.items()}
            if isinstance(v, (list, tuple, np.ndarray)):
                return [_plain(x) for x in v]
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (int, np.integer)):
                return int(v)
            if isinstance(v, (float, np.floating)):
                v = float(v)
                return v if math.isfinite(v) else repr(v)
            return v
        def emit(obj):
            print(json.dumps(_plain(obj)))

        """;

    public static JsonNode Run(string script, object input)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Prelude + script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Interpreter);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Reference script failed ({process.ExitCode}): {stderr.Result}");
        }
        return JsonNode.Parse(stdout.Result) ?? throw new InvalidOperationException("Reference script printed nothing.");
    }

    /// <summary>A number printed by <c>emit</c>: a JSON number, or "inf", "-inf", "nan".</summary>
    public static double Number(JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var value = node.AsValue();
        if (value.TryGetValue<string>(out var text))
        {
            return text switch
            {
                "inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                "nan" => double.NaN,
                _ => double.Parse(text, CultureInfo.InvariantCulture),
            };
        }
        return value.GetValue<double>();
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ tolerance·|expected|: relative everywhere, with |expected| floored at 1e-300
    /// so that p-values that underflow in one implementation and not the other still compare.
    /// </summary>
    public static void AssertClose(double expected, double actual, double relativeTolerance = 1e-9, string? what = null)
    {
        if (double.IsNaN(expected) && double.IsNaN(actual))
        {
            return;
        }
        if (double.IsInfinity(expected) && expected == actual)
        {
            return;
        }
        var scale = Math.Max(1e-300, Math.Abs(expected));
        var error = Math.Abs(actual - expected) / scale;
        Assert.True(error <= relativeTolerance,
            $"{what ?? "value"}: expected {expected:R}, got {actual:R} (relative error {error:E2} > {relativeTolerance:E0})");
    }
}
