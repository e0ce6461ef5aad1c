using System.Globalization;

namespace KubeEmulator.Cel;

/// <summary>
/// Operators and functions: the CEL standard definitions, the cel-go strings extension and the Kubernetes
/// libraries (lists, regex, url, quantity) that CRD rules use. Errors carry cel-go's wording
/// ("no such overload", "division by zero", "integer overflow").
/// </summary>
public static class CelFunctions
{
    private static readonly HashSet<string> Global = new(StringComparer.Ordinal)
    {
        "size", "int", "uint", "double", "string", "bool", "dyn", "type", "matches", "isURL", "url", "isQuantity", "quantity", "duration",
    };

    private static readonly HashSet<string> Member = new(StringComparer.Ordinal)
    {
        "size", "matches", "startsWith", "endsWith", "contains", "lowerAscii", "upperAscii", "split", "join", "trim",
        "replace", "indexOf", "lastIndexOf", "substring", "charAt", "isSorted", "sum", "min", "max",
        "hasValue", "value", "orValue", "or",
        "getScheme", "getHost", "getHostname", "getPort", "getEscapedPath", "getQuery",
        "isInteger", "asInteger", "asApproximateFloat", "sign", "add", "sub", "isGreaterThan", "isLessThan", "compareTo",
    };

    public static bool IsKnown(string function, bool member) => member ? Member.Contains(function) : Global.Contains(function);

    public static object? Binary(string op, object? left, object? right)
    {
        try
        {
            return (op, left, right) switch
            {
                ("==", _, _) => CelValues.AreEqual(left, right),
                ("!=", _, _) => !CelValues.AreEqual(left, right),
                ("in", _, IReadOnlyList<object?> list) => list.Any(item => CelValues.AreEqual(item, left)),
                ("in", not null, IReadOnlyDictionary<object, object?> map) => map.ContainsKey(left) || (left is double d && d == Math.Floor(d) && map.ContainsKey((long)d)),
                ("<" or "<=" or ">" or ">=", _, _) => Compare(op, left, right),
                ("+", long a, long b) => checked(a + b),
                ("-", long a, long b) => checked(a - b),
                ("*", long a, long b) => checked(a * b),
                ("/", long, 0L) => throw new CelEvaluationException("division by zero"),
                ("%", long, 0L) => throw new CelEvaluationException("modulus by zero"),
                ("/", long a, long b) => a == long.MinValue && b == -1 ? throw new OverflowException() : a / b,
                ("%", long a, long b) => b == -1 ? 0L : a % b,
                ("+", double a, double b) => a + b,
                ("-", double a, double b) => a - b,
                ("*", double a, double b) => a * b,
                ("/", double a, double b) => a / b,
                ("+", string a, string b) => a + b,
                ("+", IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Concat(b).ToList(),
                _ => throw CelProgram.NoOverload("_" + op + "_", left, right),
            };
        }
        catch (OverflowException)
        {
            throw new CelEvaluationException("integer overflow");
        }
    }

    /// <summary>CEL's duration(string): Go's time.ParseDuration syntax ("0s", "1.5h", "1h30m", "250ms", "-2us").</summary>
    internal static TimeSpan Duration(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+|0)$");
        if (!match.Success)
        {
            throw new CelEvaluationException($"invalid duration: \"{text}\"");
        }

        var ticks = 0m;
        foreach (System.Text.RegularExpressions.Match part in System.Text.RegularExpressions.Regex.Matches(match.Groups[2].Value, @"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)"))
        {
            var amount = decimal.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            ticks += amount * part.Groups[2].Value switch
            {
                "ns" => 0.01m,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }

        var span = TimeSpan.FromTicks((long)ticks);
        return match.Groups[1].Value == "-" ? span.Negate() : span;
    }

    private static bool Compare(string op, object? left, object? right)
    {
        int order = (left, right) switch
        {
            (long a, long b) => a.CompareTo(b),
            (double a, double b) => a.CompareTo(b),
            (long a, double b) => ((double)a).CompareTo(b),
            (double a, long b) => a.CompareTo(b),
            (string a, string b) => string.CompareOrdinal(a, b),
            (bool a, bool b) => a.CompareTo(b),
            (TimeSpan a, TimeSpan b) => a.CompareTo(b),
            _ => throw CelProgram.NoOverload("_" + op + "_", left, right),
        };
        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        };
    }

    public static object? Call(string function, bool member, object? receiver, object?[] args)
    {
        // A global call f(x, ...) and a member call x.f(...) share overloads where CEL has both (size, matches).
        var all = member ? [receiver, .. args] : args;
        try
        {
            return (function, all) switch
            {
                ("size", [string s]) => (long)s.EnumerateRunes().Count(),
                ("size", [IReadOnlyList<object?> l]) => (long)l.Count,
                ("size", [IReadOnlyDictionary<object, object?> m]) => (long)m.Count,
                ("dyn", [var v]) => v,
                ("type", [var v]) => CelValues.TypeName(v),
                ("int", [long l]) => l,
                ("int", [double d]) => double.IsFinite(d) && d > long.MinValue && d < long.MaxValue ? (long)d : throw new CelEvaluationException("range error converting " + CelProgram.Show(d) + " to int"),
                ("int", [string s]) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : throw new CelEvaluationException($"cannot convert string to int: {s}"),
                ("uint", [long l]) => l >= 0 ? l : throw new CelEvaluationException("range error converting " + l + " to uint"),
                ("double", [long l]) => (double)l,
                ("double", [double d]) => d,
                ("double", [string s]) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new CelEvaluationException($"cannot convert string to double: {s}"),
                ("string", [string or long or double or bool]) => CelProgram.Show(all[0]),
                ("bool", [bool b]) => b,
                ("bool", [string s]) => s switch
                {
                    "true" or "TRUE" or "True" or "t" or "1" => true,
                    "false" or "FALSE" or "False" or "f" or "0" => false,
                    _ => throw new CelEvaluationException($"cannot convert string to bool: {s}"),
                },
                ("matches", [string s, string pattern]) => Re2.Compile(pattern).IsMatch(s),
                ("startsWith", [string s, string p]) => s.StartsWith(p, StringComparison.Ordinal),
                ("endsWith", [string s, string p]) => s.EndsWith(p, StringComparison.Ordinal),
                ("contains", [string s, string p]) => s.Contains(p, StringComparison.Ordinal),
                ("lowerAscii", [string s]) => string.Concat(s.Select(c => char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : c)),
                ("upperAscii", [string s]) => string.Concat(s.Select(c => char.IsAsciiLetterLower(c) ? char.ToUpperInvariant(c) : c)),
                ("trim", [string s]) => s.Trim(),
                ("split", [string s, string sep]) => Split(s, sep, -1),
                ("split", [string s, string sep, long n]) => Split(s, sep, n),
                ("join", [IReadOnlyList<object?> l]) => CelProgram.Join(l, ""),
                ("join", [IReadOnlyList<object?> l, string sep]) => CelProgram.Join(l, sep),
                ("replace", [string s, string a, string b]) => s.Replace(a, b, StringComparison.Ordinal),
                ("replace", [string s, string a, string b, long n]) => Replace(s, a, b, n),
                ("indexOf", [string s, string p]) => (long)s.IndexOf(p, StringComparison.Ordinal),
                ("indexOf", [string s, string p, long start]) => start < 0 || start > s.Length ? throw new CelEvaluationException($"index out of range: {start}") : s.IndexOf(p, (int)start, StringComparison.Ordinal),
                ("lastIndexOf", [string s, string p]) => (long)s.LastIndexOf(p, StringComparison.Ordinal),
                ("indexOf", [IReadOnlyList<object?> l, var v]) => (long)l.ToList().FindIndex(x => CelValues.AreEqual(x, v)),
                ("lastIndexOf", [IReadOnlyList<object?> l, var v]) => (long)l.ToList().FindLastIndex(x => CelValues.AreEqual(x, v)),
                ("substring", [string s, long start]) => Substring(s, start, s.Length),
                ("substring", [string s, long start, long end]) => Substring(s, start, end),
                ("charAt", [string s, long i]) => i < 0 || i > s.Length ? throw new CelEvaluationException($"index out of range: {i}") : i == s.Length ? "" : s[(int)i].ToString(),
                ("isSorted", [IReadOnlyList<object?> l]) => l.Zip(l.Skip(1)).All(p => Compare("<=", p.First, p.Second)),
                ("sum", [IReadOnlyList<object?> l]) => l.Aggregate(l.FirstOrDefault() is double ? 0d : (object?)0L, (acc, x) => Binary("+", acc, x)),
                ("min", [IReadOnlyList<object?> { Count: > 0 } l]) => l.Aggregate((a, b) => Compare("<=", a, b) ? a : b),
                ("max", [IReadOnlyList<object?> { Count: > 0 } l]) => l.Aggregate((a, b) => Compare(">=", a, b) ? a : b),
                ("min" or "max", [IReadOnlyList<object?>]) => throw new CelEvaluationException($"{function}(list) argument must not be empty"),
                ("hasValue", [CelOptional o]) => o.HasValue,
                ("value", [CelOptional o]) => o.HasValue ? o.Value : throw new CelEvaluationException("optional.none() dereference"),
                ("orValue", [CelOptional o, var fallback]) => o.HasValue ? o.Value : fallback,
                ("or", [CelOptional o, CelOptional other]) => o.HasValue ? o : other,
                ("isURL", [string s]) => Url(s) is not null,
                ("url", [string s]) => Url(s) ?? throw new CelEvaluationException($"URL parse error during conversion from string: parse \"{s}\": invalid URI for request"),
                ("getScheme", [Uri u]) => u.Scheme,
                ("getScheme" or "getHost" or "getHostname" or "getPort", [CelPathUrl]) => "",
                ("getHost", [Uri u]) => u.IsDefaultPort && !u.OriginalString.Contains($":{u.Port}", StringComparison.Ordinal) ? u.Host : $"{u.Host}:{u.Port}",
                ("getHostname", [Uri u]) => u.Host.Trim('[', ']'),
                ("getPort", [Uri u]) => u.IsDefaultPort && !u.OriginalString.Contains($":{u.Port}", StringComparison.Ordinal) ? "" : u.Port.ToString(CultureInfo.InvariantCulture),
                ("getEscapedPath", [Uri u]) => u.AbsolutePath,
                ("getEscapedPath", [CelPathUrl p]) => p.Path,
                ("getQuery", [Uri u]) => Query(u.Query.TrimStart('?')),
                ("getQuery", [CelPathUrl p]) => Query(p.Query),
                ("isQuantity", [string s]) => CelQuantity.TryParse(s) is not null,
                ("duration", [string s]) => Duration(s),
                ("quantity", [string s]) => CelQuantity.TryParse(s) ?? throw new CelEvaluationException("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
                ("isInteger", [CelQuantity q]) => q.Amount == Math.Floor(q.Amount) && q.Amount >= long.MinValue && q.Amount <= long.MaxValue,
                ("asInteger", [CelQuantity q]) => q.Amount == Math.Floor(q.Amount) && q.Amount >= long.MinValue && q.Amount <= long.MaxValue ? (long)q.Amount : throw new CelEvaluationException("cannot convert value to integer"),
                ("asApproximateFloat", [CelQuantity q]) => (double)q.Amount,
                ("sign", [CelQuantity q]) => (long)Math.Sign(q.Amount),
                ("add", [CelQuantity q, CelQuantity o]) => new CelQuantity(q.Amount + o.Amount),
                ("add", [CelQuantity q, long o]) => new CelQuantity(q.Amount + o),
                ("sub", [CelQuantity q, CelQuantity o]) => new CelQuantity(q.Amount - o.Amount),
                ("sub", [CelQuantity q, long o]) => new CelQuantity(q.Amount - o),
                ("isGreaterThan", [CelQuantity q, CelQuantity o]) => q.Amount > o.Amount,
                ("isLessThan", [CelQuantity q, CelQuantity o]) => q.Amount < o.Amount,
                ("compareTo", [CelQuantity q, CelQuantity o]) => (long)q.Amount.CompareTo(o.Amount),
                _ => throw CelProgram.NoOverload(function, all),
            };
        }
        catch (OverflowException)
        {
            throw new CelEvaluationException("integer overflow");
        }
    }

    private static List<object?> Split(string s, string separator, long limit)
    {
        if (limit == 0)
        {
            return [];
        }

        var parts = separator.Length == 0
            ? s.Select(c => c.ToString()).ToList()
            : [.. s.Split(separator, limit < 0 ? int.MaxValue : (int)Math.Min(limit, int.MaxValue))];
        if (separator.Length == 0 && limit > 0 && parts.Count > limit)
        {
            parts = [.. parts.Take((int)limit - 1), s[((int)limit - 1)..]];
        }

        return [.. parts];
    }

    private static string Replace(string s, string from, string to, long limit)
    {
        if (limit < 0)
        {
            return s.Replace(from, to, StringComparison.Ordinal);
        }

        var result = s;
        var index = 0;
        for (var n = 0; n < limit; n++)
        {
            var at = result.IndexOf(from, index, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            result = result[..at] + to + result[(at + from.Length)..];
            index = at + to.Length;
        }

        return result;
    }

    private static string Substring(string s, long start, long end) =>
        start < 0 || end > s.Length || start > end
            ? throw new CelEvaluationException($"index out of range: {(start < 0 || start > s.Length ? start : end)}")
            : s[(int)start..(int)end];

    /// <summary>Go's url.ParseRequestURI: an absolute URL, or an absolute path.</summary>
    private static object? Url(string s)
    {
        if (s.StartsWith('/'))
        {
            var q = s.IndexOf('?', StringComparison.Ordinal);
            return q < 0 ? new CelPathUrl(s, "") : new CelPathUrl(s[..q], s[(q + 1)..]);
        }

        return Uri.TryCreate(s, UriKind.Absolute, out var uri) && s.Contains(':', StringComparison.Ordinal) && !s.Contains(' ', StringComparison.Ordinal) ? uri : null;
    }

    private static Dictionary<object, object?> Query(string query)
    {
        var result = new Dictionary<object, object?>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (result.TryGetValue(key, out var existing))
            {
                ((List<object?>)existing!).Add(value);
            }
            else
            {
                result[key] = new List<object?> { value };
            }
        }

        return result;
    }
}
