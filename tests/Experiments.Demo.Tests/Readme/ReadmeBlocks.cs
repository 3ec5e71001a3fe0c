namespace Experiments.Demo.Tests.Readme;

/// <summary>One fenced <c>```bash</c> block of README.md, with the line its fence opens on.</summary>
internal sealed record ReadmeBlock(int Line, string Text)
{
    /// <summary>Every bash block of a Markdown file, in order.</summary>
    public static IReadOnlyList<ReadmeBlock> Parse(string markdown)
    {
        var blocks = new List<ReadmeBlock>();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "```bash")
            {
                continue;
            }
            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].TrimEnd() != "```")
            {
                end++;
            }
            blocks.Add(new ReadmeBlock(i + 1, string.Join('\n', lines[start..end])));
            i = end;
        }
        return blocks;
    }
}
