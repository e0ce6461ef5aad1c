using System.Text.RegularExpressions;

namespace ShopOperator.Model;

/// <summary>
/// The name rules of k8s.io/apimachinery/pkg/util/validation (IsQualifiedName, IsValidLabelValue,
/// IsDNS1123Subdomain) with their messages, for what the API server checks inside label selectors and
/// resource names. Every pattern is anchored with \z (RE2 end of text, see <see cref="Re2"/>).
/// </summary>
public static partial class KubeNames
{
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;

    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNameFormat + "')";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(" + QualifiedNameFormat + ")?')";
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    /// <summary>IsQualifiedName: [prefix/]name, prefix a DNS-1123 subdomain, name at most 63 characters. Empty when valid.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0)
                {
                    errors.Add("prefix part must be non-empty");
                }
                else
                {
                    errors.AddRange(Dns1123Subdomain(parts[0]).Select(e => "prefix part " + e));
                }

                break;
            default:
                return ["a qualified name " + QualifiedNameMessage.Replace("name part must", "must", StringComparison.Ordinal) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
        }

        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (name.Length > QualifiedNameMaxLength)
        {
            errors.Add($"name part must be no more than {QualifiedNameMaxLength} characters");
        }

        if (name.Length > 0 && !QualifiedNamePart().IsMatch(name))
        {
            errors.Add(QualifiedNameMessage);
        }

        return errors;
    }

    /// <summary>IsValidLabelValue: empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends.</summary>
    public static IReadOnlyList<string> LabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>();
        if (value.Length > LabelValueMaxLength)
        {
            errors.Add($"must be no more than {LabelValueMaxLength} characters");
        }

        if (value.Length > 0 && !QualifiedNamePart().IsMatch(value))
        {
            errors.Add(LabelValueMessage);
        }

        return errors;
    }

    public static IReadOnlyList<string> Dns1123Subdomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            errors.Add($"must be no more than {Dns1123SubdomainMaxLength} characters");
        }

        if (!Subdomain().IsMatch(value))
        {
            errors.Add(Dns1123SubdomainMessage);
        }

        return errors;
    }

    /// <summary>
    /// A dotted-quad IPv4 address as Go's net.ParseIP reads one (what ValidateIngressSpec refuses as a host).
    /// Not IPAddress.TryParse: it takes "1" for 0.0.0.1, a valid DNS name.
    /// </summary>
    public static bool IsIPv4(string value) => DottedQuad().Match(value) is { Success: true } m
        && m.Groups[1].Captures.Concat([m.Groups[2]]).All(c => int.Parse(c.Value, System.Globalization.CultureInfo.InvariantCulture) <= 255);

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^(?:([0-9]{1,3})\\.){3}([0-9]{1,3})\\z")]
    private static partial Regex DottedQuad();
}
