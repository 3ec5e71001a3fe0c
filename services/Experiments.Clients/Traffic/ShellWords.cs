using System.Text;

namespace Experiments.Clients.Traffic;

/// <summary>
/// POSIX shell words: everything single-quoted (nothing inside is special, so recorded bytes cannot run code), except
/// a redacted value, which becomes a double-quoted variable the shell expands from the environment.
/// </summary>
internal static class ShellWords
{
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>One word for <paramref name="text"/> in which each <see cref="RedactedValues.Marker"/> reads <c>$VARIABLE</c>.</summary>
    public static string QuoteWithVariable(string text, string variable)
    {
        var parts = text.Split(RedactedValues.Marker);
        var word = new StringBuilder();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                // Braces keep the name apart from literal text that follows; double quotes keep spaces in the value.
                word.Append("\"${").Append(variable).Append("}\"");
            }
            if (parts[i].Length > 0)
            {
                word.Append(Quote(parts[i]));
            }
        }
        return word.ToString();
    }

    /// <summary>A <c>-H 'name: value'</c> word, with redacted parts as the header's shell variable.</summary>
    public static string Header(CapturedHeaderText header) =>
        RedactedValues.IsRedacted(header.Value)
            ? QuoteWithVariable(header.Name + ": " + header.Value, RedactedValues.ShellVariable(header.Name))
            : Quote(header.Name + ": " + header.Value);

    /// <summary>Bytes as a <c>printf</c> format of octal escapes, for bodies that are not text.</summary>
    public static string PrintfOctal(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length * 4 + 2);
        builder.Append('\'');
        foreach (var b in bytes)
        {
            builder.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }
        return builder.Append('\'').ToString();
    }
}

/// <summary>A header as exports write it.</summary>
internal readonly record struct CapturedHeaderText(string Name, string Value);
