using System.Text;

namespace Config.Tests.Docker;

/// <summary>One instruction: keyword (upper case), its raw arguments (continuations joined) and its first line.</summary>
public sealed record Instruction(string Keyword, string Arguments, int Line);

/// <summary>A Dockerfile reduced to its instructions; comments, blank lines and parser directives are dropped.</summary>
public sealed record Dockerfile(IReadOnlyList<Instruction> Instructions)
{
    public static Dockerfile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var instructions = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new StringBuilder();
        var startLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (current.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue;
            }

            // Comment lines inside a continued instruction are removed by Docker too.
            if (current.Length > 0 && trimmed.StartsWith('#'))
            {
                continue;
            }

            if (current.Length == 0)
            {
                startLine = i + 1;
            }

            var continued = line.TrimEnd().EndsWith('\\');
            current.Append(continued ? line.TrimEnd()[..^1] : line).Append(' ');
            if (!continued)
            {
                Add(instructions, current.ToString(), startLine);
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            Add(instructions, current.ToString(), startLine);
        }

        return new Dockerfile(instructions);
    }

    public IEnumerable<Instruction> All(string keyword) =>
        Instructions.Where(i => i.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>The instructions of the last stage (the image that ships).</summary>
    public IReadOnlyList<Instruction> FinalStage()
    {
        var lastFrom = Instructions.Select((instruction, index) => (instruction, index)).Last(p => p.instruction.Keyword == "FROM").index;
        return Instructions.Skip(lastFrom).ToList();
    }

    private static void Add(List<Instruction> instructions, string text, int line)
    {
        var trimmed = text.Trim();
        var space = trimmed.IndexOfAny([' ', '\t']);
        var keyword = (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant();
        var arguments = space < 0 ? "" : trimmed[(space + 1)..].Trim();
        instructions.Add(new Instruction(keyword, arguments, line));
    }
}
