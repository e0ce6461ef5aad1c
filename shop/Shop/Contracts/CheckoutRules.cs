using System.Text.RegularExpressions;

namespace Shop.Contracts;

/// <summary>
/// The checkout rules, once: the api enforces them on <c>POST /api/orders</c> and the web form shows the same
/// messages next to its fields. Keys are the JSON field names of <see cref="OrderRequest"/>. Every pattern is
/// anchored with <c>\z</c> (not <c>$</c>, which also matches before a final newline), and every field is
/// refused when it holds a control character or a lone surrogate.
/// </summary>
public static partial class CheckoutRules
{
    public const int MaxEmail = 254;
    public const int MaxName = 100;
    public const int MaxStreet = 200;
    public const int MaxCity = 100;
    public const int MaxPostalCode = 16;
    public const int MaxCardInput = 40;

    /// <summary>A Luhn-valid test card ending in these digits is declined (402).</summary>
    public const string DeclinedSuffix = "0002";

    public static Dictionary<string, string> Validate(OrderRequest order, out string cardDigits)
    {
        ArgumentNullException.ThrowIfNull(order);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Text(errors, "email", "your email address", order.Email, MaxEmail) && !EmailPattern().IsMatch(order.Email))
        {
            errors["email"] = "Enter an email address like name@example.com.";
        }

        Text(errors, "name", "your full name", order.Name, MaxName);
        Text(errors, "street", "your street address", order.Street, MaxStreet);
        Text(errors, "city", "your city", order.City, MaxCity);
        if (Text(errors, "postalCode", "your postal code", order.PostalCode, MaxPostalCode) && !PostalPattern().IsMatch(order.PostalCode))
        {
            errors["postalCode"] = "The postal code may hold letters, digits, spaces and hyphens only.";
        }

        if (Text(errors, "country", "your country code", order.Country, 2) && !CountryPattern().IsMatch(order.Country))
        {
            errors["country"] = "Use a two-letter country code, like US or DE.";
        }

        cardDigits = string.Empty;
        if (Text(errors, "cardNumber", "a card number", order.CardNumber, MaxCardInput))
        {
            cardDigits = new string(order.CardNumber.Where(c => c is not (' ' or '-')).ToArray());
            if (cardDigits.Length is < 12 or > 19 || !cardDigits.All(char.IsAsciiDigit) || !Luhn(cardDigits))
            {
                errors["cardNumber"] = "The card number is not valid (12 to 19 digits passing the Luhn check).";
                cardDigits = string.Empty;
            }
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

    /// <summary>True when a value holds no control character and no lone surrogate (which PostgreSQL cannot store).</summary>
    public static bool IsCleanText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
            {
                return false;
            }

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

    // True when the value passed the common checks (present, short enough, clean), so field patterns may run.
    private static bool Text(Dictionary<string, string> errors, string field, string what, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = $"Enter {what}.";
            return false;
        }

        if (value.Length > max)
        {
            errors[field] = $"Use at most {max} characters.";
            return false;
        }

        if (!IsCleanText(value))
        {
            errors[field] = "Remove control characters and invalid Unicode.";
            return false;
        }

        return true;
    }

    [GeneratedRegex(@"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}\z")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}\z")]
    private static partial Regex PostalPattern();

    [GeneratedRegex(@"^[A-Z]{2}\z")]
    private static partial Regex CountryPattern();
}
