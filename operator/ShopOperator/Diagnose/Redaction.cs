using System.Text.RegularExpressions;

namespace ShopOperator.Diagnose;

/// <summary>
/// What diagnose never prints from a log line: passwords in connection strings and URIs, bearer tokens, and card
/// numbers (12–19 digits, spaces or hyphens allowed) — the things the shop itself never logs, in case a
/// library or an exception message does.
/// </summary>
public static partial class Redaction
{
    public const string Mask = "[redacted]";

    public static string Redact(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = KeywordSecret().Replace(line, m => m.Groups["key"].Value + "=" + Mask);
        line = UriPassword().Replace(line, m => m.Groups["prefix"].Value + Mask + "@");
        line = Bearer().Replace(line, "Bearer " + Mask);
        return CardNumber().Replace(line, Mask);
    }

    // Npgsql keyword strings: Password=…; also pwd=, secret=, token=, apikey= (up to ; or " or whitespace).
    [GeneratedRegex(@"(?<key>\b(?:password|pwd|secret|token|api[_-]?key)\b)\s*=\s*[^;""\s]+", RegexOptions.IgnoreCase)]
    private static partial Regex KeywordSecret();

    [GeneratedRegex(@"(?<prefix>\b[a-z][a-z0-9+.\-]*://[^:/@\s]+:)[^@\s]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UriPassword();

    [GeneratedRegex(@"\bBearer\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\b(?:\d[ \-]?){11,18}\d\b")]
    private static partial Regex CardNumber();
}
