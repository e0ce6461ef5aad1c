using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace KubeEmulator;

/// <summary>
/// The string formats a CRD schema may name that the API server checks (kube-openapi's strfmt registry);
/// formats it does not know are accepted, as upstream does.
/// </summary>
internal static partial class Formats
{
    public static bool IsValid(string format, string value) => format switch
    {
        "date-time" or "datetime" => DateTime().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "date" => System.DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "byte" => IsBase64(value),
        "uuid" => Guid.TryParseExact(value, "D", out _),
        "ipv4" => IPAddress.TryParse(value, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && value.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "cidr" => IPNetwork.TryParse(value, out _),
        _ => true,
    };

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    // RFC 3339: full-date "T" full-time, with a "Z" or numeric offset; fractional seconds optional.
    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")]
    private static partial Regex DateTime();
}
