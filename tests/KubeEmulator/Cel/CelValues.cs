using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeEmulator.Cel;

/// <summary>
/// CEL values as plain .NET objects: null, bool, long (int and uint), double, string, <see cref="IReadOnlyList{T}"/>
/// of object (list), <see cref="IReadOnlyDictionary{TKey, TValue}"/> of object (map), <see cref="CelOptional"/>,
/// <see cref="CelQuantity"/> and <see cref="Uri"/> (the Kubernetes url type).
/// </summary>
public static class CelValues
{
    /// <summary>A JSON value as CEL sees it: integral numbers are int, others double, objects are maps.</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => (object)p.Key, p => FromJson(p.Value)),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number when long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            JsonValueKind.Number => v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "null_type",
        bool => "bool",
        long => "int",
        double => "double",
        string => "string",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<object, object?> => "map",
        CelOptional => "optional_type",
        CelQuantity => "kubernetes.Quantity",
        Uri or CelPathUrl => "kubernetes.URL",
        _ => value.GetType().Name,
    };

    public static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (IReadOnlyList<object?> x, IReadOnlyList<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
        (IReadOnlyDictionary<object, object?> x, IReadOnlyDictionary<object, object?> y) =>
            x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var other) && AreEqual(p.Value, other)),
        (CelOptional x, CelOptional y) => x.HasValue == y.HasValue && AreEqual(x.Value, y.Value),
        _ => a.GetType() == b.GetType() && a.Equals(b),
    };
}

/// <summary>CEL's <c>optional_type</c>: <c>optional.of(v)</c>, <c>optional.none()</c>, <c>a.?b</c>, <c>m[?k]</c>.</summary>
public sealed record CelOptional(bool HasValue, object? Value)
{
    public static CelOptional None { get; } = new(false, null);
}

/// <summary>A URL that is only an absolute path (<c>url('/a/b')</c>, accepted as Go's url.ParseRequestURI does).</summary>
public sealed record CelPathUrl(string Path, string Query);

/// <summary>The Kubernetes quantity library's value (<c>quantity("500m")</c>): an exact decimal amount.</summary>
public sealed record CelQuantity(decimal Amount)
{
    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1m,
        ["n"] = 0.000000001m,
        ["u"] = 0.000001m,
        ["m"] = 0.001m,
        ["k"] = 1_000m,
        ["M"] = 1_000_000m,
        ["G"] = 1_000_000_000m,
        ["T"] = 1_000_000_000_000m,
        ["P"] = 1_000_000_000_000_000m,
        ["E"] = 1_000_000_000_000_000_000m,
        ["Ki"] = 1024m,
        ["Mi"] = 1024m * 1024,
        ["Gi"] = 1024m * 1024 * 1024,
        ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024,
        ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    /// <summary>resource.ParseQuantity's grammar: a signed decimal number, then a binary or decimal SI suffix or an exponent.</summary>
    public static CelQuantity? TryParse(string text)
    {
        var match = Regex.Match(text, @"\A([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var suffix = match.Groups[2].Value;
        try
        {
            if (suffix.Length > 1 && suffix[0] is 'e' or 'E')
            {
                var exponent = int.Parse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return Math.Abs(exponent) > 27 ? null : new CelQuantity(number * Pow10(exponent));
            }

            return new CelQuantity(number * Suffixes[suffix]);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result = exponent > 0 ? result * 10 : result / 10;
        }

        return result;
    }
}
