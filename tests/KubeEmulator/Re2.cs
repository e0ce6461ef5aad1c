using System.Text;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>
/// A Go <c>regexp</c> (RE2) pattern run on the .NET engine. The API server compiles CRD <c>pattern</c>s and CEL
/// <c>matches()</c> with Go's regexp, so: <c>$</c> is the end of the text (unless <c>(?m)</c>); <c>\d</c>, <c>\w</c>,
/// <c>\s</c> are ASCII only; <c>(?P&lt;name&gt;</c> is a named group; and what RE2 lacks (backreferences, lookaround,
/// atomic groups, possessive quantifiers, conditionals, unknown escapes) does not compile.
/// </summary>
internal sealed class Re2
{
    private const string Digit = "0-9";
    private const string Word = "0-9A-Za-z_";
    private const string Space = @"\t\n\f\r ";
    private const string NotDigit = @"\u0000-\u002F\u003A-\uFFFF";
    private const string NotWord = @"\u0000-\u002F\u003A-\u0040\u005B-\u005E\u0060\u007B-\uFFFF";
    private const string NotSpace = @"\u0000-\u0008\u000B\u000E-\u001F\u0021-\uFFFF";

    private readonly Regex _regex;

    private Re2(Regex regex) => _regex = regex;

    public bool IsMatch(string text) => _regex.IsMatch(text);

    /// <summary>Compiles <paramref name="pattern"/>; on failure <paramref name="error"/> reads like Go's <c>regexp.Compile</c> error.</summary>
    public static bool TryCompile(string pattern, out Re2? regex, out string error)
    {
        regex = null;
        if (Translate(pattern, out error) is not { } translated)
        {
            return false;
        }

        try
        {
            regex = new Re2(new Regex(translated, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            return true;
        }
        catch (ArgumentException e)
        {
            error = $"error parsing regexp: {e.Message}";
            return false;
        }
    }

    /// <summary>Compiles a pattern already known to be valid RE2 (a CRD's schema was checked when it was created).</summary>
    public static Re2 Compile(string pattern) =>
        TryCompile(pattern, out var regex, out var error) ? regex! : throw new ArgumentException(error, nameof(pattern));

    private static string? Translate(string pattern, out string error)
    {
        error = "";
        var multiline = Regex.IsMatch(pattern, @"\(\?[imsU]*m[imsU-]*[:)]");
        var output = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length)
                {
                    error = "error parsing regexp: trailing backslash at end of expression: ``";
                    return null;
                }

                var e = pattern[++i];
                switch (e)
                {
                    case 'd': output.Append(inClass ? Digit : $"[{Digit}]"); break;
                    case 'w': output.Append(inClass ? Word : $"[{Word}]"); break;
                    case 's': output.Append(inClass ? Space : $"[{Space}]"); break;
                    case 'D': output.Append(inClass ? NotDigit : $"[^{Digit}]"); break;
                    case 'W': output.Append(inClass ? NotWord : $"[^{Word}]"); break;
                    case 'S': output.Append(inClass ? NotSpace : $"[^{Space}]"); break;
                    case 'A' or 'z' or 'b' or 'B' when !inClass: output.Append('\\').Append(e); break;
                    case 'a' or 'f' or 'n' or 'r' or 't' or 'v': output.Append('\\').Append(e); break;
                    case 'p' or 'P' when i + 1 < pattern.Length && pattern[i + 1] != '{':
                        // \pL is \p{L}; .NET wants the braces.
                        output.Append('\\').Append(e).Append('{').Append(pattern[++i]).Append('}');
                        break;
                    case 'x' when i + 1 < pattern.Length && pattern[i + 1] == '{' && pattern.IndexOf('}', i) is var close and > 0
                        && int.TryParse(pattern.AsSpan(i + 2, close - i - 2), System.Globalization.NumberStyles.HexNumber, null, out var code) && (code < 0xD800 || code is > 0xDFFF and <= 0x10FFFF):
                        output.Append(string.Concat(char.ConvertFromUtf32(code).Select(u => $"\\u{(int)u:X4}")));
                        i = close;
                        break;
                    case 'x' or 'p' or 'P': output.Append('\\').Append(e); break;
                    case >= '1' and <= '9' when i + 1 >= pattern.Length || pattern[i + 1] is < '0' or > '7' || e > '7':
                        // A single digit is a backreference in Perl; RE2 has none.
                        error = $"error parsing regexp: invalid escape sequence: `\\{e}`";
                        return null;
                    case >= '0' and <= '7':
                        var octal = e - '0';
                        for (var n = 0; n < 2 && i + 1 < pattern.Length && pattern[i + 1] is >= '0' and <= '7'; n++)
                        {
                            octal = (octal * 8) + (pattern[++i] - '0');
                        }

                        output.Append($"\\u{octal:X4}");
                        break;
                    case var letter when char.IsAsciiLetterOrDigit(letter) || letter > '\x7f':
                        error = $"error parsing regexp: invalid escape sequence: `\\{letter}`";
                        return null;
                    default: output.Append('\\').Append(e); break;
                }

                continue;
            }

            if (inClass)
            {
                if (c == ']' && pattern[i - 1] != '[' && !(pattern[i - 1] == '^' && pattern[i - 2] == '['))
                {
                    inClass = false;
                }

                output.Append(c == '[' ? @"\[" : c.ToString());
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    output.Append(c);
                    break;
                case '$':
                    output.Append(multiline ? "(?=\\n|\\z)" : @"\z");
                    break;
                case '(' when i + 1 < pattern.Length && pattern[i + 1] == '?':
                    var rest = pattern[(i + 2)..];
                    if (rest.StartsWith("P<", StringComparison.Ordinal))
                    {
                        output.Append("(?<");
                        i += 3;
                    }
                    else if (rest.Length > 1 && rest[0] == '<' && (char.IsAsciiLetter(rest[1]) || rest[1] == '_'))
                    {
                        output.Append("(?<");
                        i += 2;
                    }
                    else if (rest.StartsWith(':') || Regex.IsMatch(rest, @"^[imsU-]+[:)]"))
                    {
                        output.Append("(?");
                        i += 1;
                    }
                    else
                    {
                        // Lookahead, lookbehind, atomic groups, conditionals, comments: Perl syntax RE2 refuses.
                        error = $"error parsing regexp: invalid or unsupported Perl syntax: `{pattern.Substring(i, Math.Min(3, pattern.Length - i))}`";
                        return null;
                    }

                    break;
                case '*' or '+' or '?' when i + 1 < pattern.Length && pattern[i + 1] is '*' or '+':
                    // Possessive quantifiers (a*+) and doubled ones: RE2 "invalid nested repetition operator".
                    error = $"error parsing regexp: invalid nested repetition operator: `{c}{pattern[i + 1]}`";
                    return null;
                default:
                    output.Append(c);
                    break;
            }
        }

        return output.ToString();
    }
}
