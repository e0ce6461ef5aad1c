using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>Order body checks and the simulated payment rule (documented in Contracts and shop/README.md).</summary>
public static partial class OrderValidation
{
    public const string DeclinedSuffix = "0002";

    public static Dictionary<string, string> Validate(OrderRequest order, out string cardDigits)
    {
        ArgumentNullException.ThrowIfNull(order);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        Text(errors, "email", order.Email, 254);
        if (!errors.ContainsKey("email") && !EmailPattern().IsMatch(order.Email))
        {
            errors["email"] = "Enter an email address like name@example.com.";
        }

        Text(errors, "name", order.Name, 100);
        Text(errors, "street", order.Street, 200);
        Text(errors, "city", order.City, 100);
        Text(errors, "postalCode", order.PostalCode, 16);
        if (!errors.ContainsKey("postalCode") && !PostalPattern().IsMatch(order.PostalCode))
        {
            errors["postalCode"] = "The postal code may hold letters, digits, spaces and hyphens only.";
        }

        if (!CountryPattern().IsMatch(order.Country))
        {
            errors["country"] = "Use a two-letter country code, like US or DE.";
        }

        cardDigits = order.CardNumber.Length <= 40 ? new string(order.CardNumber.Where(c => c is not (' ' or '-')).ToArray()) : string.Empty;
        if (cardDigits.Length is < 12 or > 19 || !cardDigits.All(char.IsAsciiDigit) || !Luhn(cardDigits))
        {
            errors["cardNumber"] = "The card number is not valid (12 to 19 digits passing the Luhn check).";
        }

        return errors;
    }

    public static bool Luhn(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var sum = 0;
        var even = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (even)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            even = !even;
        }

        return sum % 10 == 0;
    }

    public static bool IsValidKey(string? key) =>
        key is { Length: >= 1 and <= 100 } && key.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// Fingerprint of the body for Idempotency-Key reuse detection. Only the card's last four digits and
    /// length go in: a hash of the full number could be brute-forced back into it.
    /// </summary>
    public static byte[] Fingerprint(OrderRequest order, string cardDigits)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(cardDigits);
        var text = string.Join('\u001f', order.Email, order.Name, order.Street, order.City, order.PostalCode, order.Country, cardDigits[^4..], cardDigits.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }

    private static void Text(Dictionary<string, string> errors, string field, string value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = $"{field} is required.";
        }
        else if (value.Length > max)
        {
            errors[field] = $"{field} is limited to {max} characters.";
        }
        else if (value.Any(char.IsControl) || !IsWellFormed(value))
        {
            errors[field] = $"{field} contains control characters or invalid Unicode.";
        }
    }

    // A lone surrogate ("\ud800" in JSON) cannot be encoded as UTF-8 for PostgreSQL: refuse it here (400), not there (500).
    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$")]
    private static partial Regex PostalPattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();
}
