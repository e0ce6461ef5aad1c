using System.Security.Cryptography;
using System.Text;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>The api-only parts of a checkout request: the Idempotency-Key rule and the body fingerprint.
/// The field rules are shared with the web form (<see cref="CheckoutRules"/>).</summary>
public static class OrderValidation
{
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
}
