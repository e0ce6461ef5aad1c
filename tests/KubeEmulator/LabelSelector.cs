using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Label selector syntax of "Labels and Selectors": k=v, k==v, k!=v, k in (a,b), k notin (a,b), k, !k.</summary>
internal sealed class LabelSelector
{
    private readonly List<Func<JsonObject?, bool>> _terms = [];

    public static LabelSelector Everything { get; } = new();

    public static LabelSelector? Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTerms(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                return null;
            }

            var words = term.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 2 && (words[1].StartsWith("in ", StringComparison.Ordinal) || words[1].StartsWith("notin ", StringComparison.Ordinal)))
            {
                var key = words[0];
                var negate = words[1].StartsWith("notin", StringComparison.Ordinal);
                var list = words[1][(words[1].IndexOf('(', StringComparison.Ordinal) + 1)..].TrimEnd(')').Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                selector._terms.Add(l => Value(l, key) is { } v ? list.Contains(v) != negate : negate);
            }
            else if (term.Contains("!=", StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "!=");
                selector._terms.Add(l => Value(l, k) != v);
            }
            else if (term.Contains("==", StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "==");
                selector._terms.Add(l => Value(l, k) == v);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "=");
                selector._terms.Add(l => Value(l, k) == v);
            }
            else if (term.StartsWith('!'))
            {
                var k = term[1..].Trim();
                selector._terms.Add(l => Value(l, k) is null);
            }
            else if (term.Contains(' ', StringComparison.Ordinal))
            {
                return null;
            }
            else
            {
                selector._terms.Add(l => Value(l, term) is not null);
            }
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => _terms.TrueForAll(t => t(obj["metadata"]?["labels"] as JsonObject));

    private static (string, string) Split(string term, string op)
    {
        var at = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..at].Trim(), term[(at + op.Length)..].Trim());
    }

    private static string? Value(JsonObject? labels, string key) => labels?[key]?.GetValue<string>();

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
