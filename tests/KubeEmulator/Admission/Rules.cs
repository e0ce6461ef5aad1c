using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>One field error as apimachinery's field.Error prints it: the path, then "Invalid value: ...: detail" and the like.</summary>
internal readonly record struct FieldError(string Field, string Message)
{
    public static implicit operator (string, string)(FieldError e) => (e.Field, e.Message);
}

/// <summary>
/// The shared checks of k8s.io/apimachinery/pkg/util/validation and pkg/apis/core/validation, with their messages:
/// DNS-1123/1035 names, IANA port names, port numbers, label selectors, quantities, config keys.
/// </summary>
internal static partial class Rules
{
    public const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    public const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    public const string PortRangeMessage = "must be between 1 and 65535, inclusive";

    public static FieldError Invalid(string field, JsonNode? value, string detail) => new(field, $"Invalid value: {Show(value)}: {detail}");

    public static FieldError Invalid(string field, string value, string detail) => new(field, $"Invalid value: {Quote(value)}: {detail}");

    public static FieldError Required(string field, string? detail = null) => new(field, detail is null ? "Required value" : $"Required value: {detail}");

    public static FieldError Forbidden(string field, string detail) => new(field, $"Forbidden: {detail}");

    public static FieldError Duplicate(string field, JsonNode? value) => new(field, $"Duplicate value: {Show(value)}");

    public static FieldError NotFound(string field, JsonNode? value) => new(field, $"Not found: {Show(value)}");

    public static FieldError NotSupported(string field, JsonNode? value, params string[] supported) =>
        new(field, $"Unsupported value: {Show(value)}: supported values: {string.Join(", ", supported.Select(s => Quote(s)))}");

    /// <summary>Go's %v of a value in field.Invalid: strings quoted, numbers and booleans plain.</summary>
    public static string Show(JsonNode? value) => value switch
    {
        null => "\"\"",
        JsonValue v when v.TryGetValue<string>(out var s) => Quote(s),
        _ => value.ToJsonString(),
    };

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, QuoteOptions);

    private static readonly System.Text.Json.JsonSerializerOptions QuoteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? (int)Math.Clamp(l, int.MinValue, int.MaxValue) : null;

    public static IEnumerable<(int Index, JsonObject Item)> Items(JsonNode? array) =>
        (array as JsonArray ?? []).Select((item, i) => (i, item as JsonObject ?? []));

    public static bool IsDns1123Label(string s) => s.Length is > 0 and <= 63 && Dns1123Label().IsMatch(s);

    public static bool IsDns1035Label(string s) => s.Length is > 0 and <= 63 && Dns1035Label().IsMatch(s);

    public static bool IsDns1123Subdomain(string s) => s.Length is > 0 and <= 253 && ApiStore.Dns1123Subdomain().IsMatch(s);

    public static IEnumerable<FieldError> Dns1123Label(string field, string value)
    {
        if (value.Length > 63)
        {
            yield return Invalid(field, value, "must be no more than 63 characters");
        }

        if (!Dns1123Label().IsMatch(value))
        {
            yield return Invalid(field, value, Dns1123LabelMessage);
        }
    }

    public static IEnumerable<FieldError> Dns1035(string field, string value)
    {
        if (value.Length > 63)
        {
            yield return Invalid(field, value, "must be no more than 63 characters");
        }

        if (!Dns1035Label().IsMatch(value))
        {
            yield return Invalid(field, value, Dns1035LabelMessage);
        }
    }

    /// <summary>IsValidPortName: an IANA_SVC_NAME (at most 15 characters, a-z0-9 and '-', a letter, no leading, trailing or double '-').</summary>
    public static IEnumerable<FieldError> PortName(string field, string name)
    {
        if (name.Length is 0 or > 15)
        {
            yield return Invalid(field, name, "must be no more than 15 characters");
        }

        if (!PortNameChars().IsMatch(name))
        {
            yield return Invalid(field, name, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }

        if (!name.Any(char.IsAsciiLetterLower))
        {
            yield return Invalid(field, name, "must contain at least one letter (a-z)");
        }

        if (name.Contains("--", StringComparison.Ordinal))
        {
            yield return Invalid(field, name, "must not contain consecutive hyphens");
        }

        if (name.StartsWith('-') || name.EndsWith('-'))
        {
            yield return Invalid(field, name, "must not begin or end with a hyphen");
        }
    }

    public static IEnumerable<FieldError> PortNumber(string field, JsonNode? value)
    {
        var port = Int(value);
        if (port is null or < 1 or > 65535)
        {
            yield return Invalid(field, value, PortRangeMessage);
        }
    }

    /// <summary>ValidatePortNumOrName: a number 1..65535 or an IANA_SVC_NAME.</summary>
    public static IEnumerable<FieldError> PortNumOrName(string field, JsonNode? value) =>
        Text(value) is { } name ? PortName(field, name) : PortNumber(field, value);

    public static IEnumerable<FieldError> Protocol(string field, JsonNode? value)
    {
        if (value is not null && Text(value) is not ("TCP" or "UDP" or "SCTP"))
        {
            yield return NotSupported(field, value, "SCTP", "TCP", "UDP");
        }
    }

    public static IEnumerable<FieldError> NonNegative(string field, JsonNode? value)
    {
        if (value is not null && Int(value) is < 0)
        {
            yield return Invalid(field, value, "must be greater than or equal to 0");
        }
    }

    /// <summary>metav1validation.ValidateLabelSelector: matchLabels as labels, matchExpressions with a valid operator and values as it requires.</summary>
    public static IEnumerable<FieldError> LabelSelector(string field, JsonNode? selector)
    {
        if (selector is not JsonObject s)
        {
            yield break;
        }

        foreach (var error in LabelMap($"{field}.matchLabels", s["matchLabels"]))
        {
            yield return error;
        }

        foreach (var (i, expression) in Items(s["matchExpressions"]))
        {
            var path = $"{field}.matchExpressions[{i}]";
            var op = Text(expression["operator"]);
            var values = expression["values"] as JsonArray;
            switch (op)
            {
                case "In" or "NotIn":
                    if (values is not { Count: > 0 })
                    {
                        yield return Required($"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (values is { Count: > 0 })
                    {
                        yield return Forbidden($"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }

                    break;
                default:
                    yield return Invalid($"{path}.operator", expression["operator"], "not a valid selector operator");
                    break;
            }

            var key = Text(expression["key"]) ?? "";
            if (Admission.QualifiedNameError(key) is { } keyError)
            {
                yield return Invalid($"{path}.key", key, keyError);
            }

            for (var j = 0; j < (values?.Count ?? 0); j++)
            {
                if (Text(values![j]) is not { } v || !LabelValueOk(v))
                {
                    yield return Invalid($"{path}.values[{j}]", values[j], Admission.LabelValueMessage);
                }
            }
        }
    }

    /// <summary>ValidateLabels: qualified keys, label values.</summary>
    public static IEnumerable<FieldError> LabelMap(string field, JsonNode? labels)
    {
        foreach (var (key, value) in labels as JsonObject ?? [])
        {
            if (Admission.QualifiedNameError(key) is { } keyError)
            {
                yield return Invalid(field, key, keyError);
            }

            if (Text(value) is not { } v || !LabelValueOk(v))
            {
                yield return Invalid(field, value, Admission.LabelValueMessage);
            }
        }
    }

    private static bool LabelValueOk(string v) => v.Length <= 63 && LabelValue().IsMatch(v);

    /// <summary>Whether a label selector (matchLabels and matchExpressions) selects <paramref name="labels"/>.</summary>
    public static bool Selects(JsonNode? selector, JsonObject? labels)
    {
        string? Label(string key) => Text(labels?[key]);
        foreach (var (key, value) in selector?["matchLabels"] as JsonObject ?? [])
        {
            if (Label(key) != Text(value))
            {
                return false;
            }
        }

        foreach (var (_, e) in Items(selector?["matchExpressions"]))
        {
            var key = Text(e["key"]) ?? "";
            var values = (e["values"] as JsonArray ?? []).Select(Text).ToHashSet(StringComparer.Ordinal);
            var ok = Text(e["operator"]) switch
            {
                "In" => Label(key) is { } l && values.Contains(l),
                "NotIn" => Label(key) is not { } n || !values.Contains(n),
                "Exists" => Label(key) is not null,
                "DoesNotExist" => Label(key) is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A quantity as a number, or null when it does not parse.</summary>
    public static decimal? Quantity(JsonNode? value)
    {
        var text = Text(value) ?? (value is JsonValue v && v.TryGetValue<decimal>(out var d) ? d.ToString(CultureInfo.InvariantCulture) : null);
        if (text is null)
        {
            return null;
        }

        try
        {
            return new k8s.Models.ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>netutils.ParseCIDRSloppy: an address and a prefix length that fits it.</summary>
    public static bool TryParseCidr(string? text, out IPAddress address, out int prefix)
    {
        address = IPAddress.None;
        prefix = 0;
        var parts = (text ?? "").Split('/');
        return parts.Length == 2 && IPAddress.TryParse(parts[0], out address!) && parts[0].Count(c => c == '.') is 0 or 3
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            && prefix <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    /// <summary>Whether <paramref name="inner"/> lies inside <paramref name="outer"/> (same family, longer or equal prefix, same network bits).</summary>
    public static bool Contains(IPAddress outer, int outerPrefix, IPAddress inner, int innerPrefix)
    {
        if (outer.AddressFamily != inner.AddressFamily || innerPrefix < outerPrefix)
        {
            return false;
        }

        var a = outer.GetAddressBytes();
        var b = inner.GetAddressBytes();
        for (var bit = 0; bit < outerPrefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameChars();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    public static partial Regex ConfigKey();
}
