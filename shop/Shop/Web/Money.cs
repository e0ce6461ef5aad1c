using System.Globalization;

namespace Shop.Web;

/// <summary>Formats integer minor units for display; the web tier never does arithmetic on prices.</summary>
public static class Money
{
    public static string Format(long minorUnits, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{minorUnits / 100m:0.00} {currency}");
}
