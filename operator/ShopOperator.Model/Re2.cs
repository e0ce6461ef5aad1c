using System.Text;
using System.Text.RegularExpressions;

namespace ShopOperator.Model;

/// <summary>
/// CRD <c>pattern</c>s are RE2 (Go regexp), where <c>$</c> without the m flag is the end of the text. In .NET,
/// <c>$</c> also matches before a final "\n", so "abc\n" would pass <c>^[a-z]+$</c> here and fail on the API
/// server. Patterns are translated so that <c>$</c> means <c>\z</c>; <c>\d</c> and friends are ASCII, as in RE2.
/// </summary>
public static class Re2
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public static bool IsMatch(string text, string pattern) =>
        Regex.IsMatch(text, ToDotNet(pattern), RegexOptions.CultureInvariant, Timeout);

    /// <summary>Every <c>$</c> outside a character class and not escaped becomes <c>\z</c>.</summary>
    public static string ToDotNet(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var result = new StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[i + 1];
                i++;

                // RE2's \d, \w and \s are ASCII; .NET's are Unicode.
                result.Append((next, inClass) switch
                {
                    ('d', false) => "[0-9]",
                    ('d', true) => "0-9",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', false) => "[\\t\\n\\f\\r ]",
                    ('s', true) => "\\t\\n\\f\\r ",
                    _ => "\\" + next,
                });
                continue;
            }

            if (inClass)
            {
                inClass = c != ']' || IsClassStart(pattern, i);
                result.Append(c);
            }
            else if (c == '[')
            {
                inClass = true;
                result.Append(c);
            }
            else if (c == '$')
            {
                result.Append("\\z");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>A ']' right after '[' or '[^' is a literal member of the class.</summary>
    private static bool IsClassStart(string pattern, int i) =>
        (i >= 1 && pattern[i - 1] == '[' && (i < 2 || pattern[i - 2] != '\\'))
        || (i >= 2 && pattern[i - 1] == '^' && pattern[i - 2] == '[');
}
