using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShopOperator.Model;

/// <summary>
/// A Kubernetes resource quantity ("100m", "1", 2): an int-or-string in the schema. Kept as the text the
/// user wrote, because the server normalises quantities in Deployments and compares them itself.
/// </summary>
[JsonConverter(typeof(QuantityConverter))]
public readonly record struct Quantity(string Value)
{
    public override string ToString() => Value;

    /// <summary>
    /// The amount, for comparisons (requests against limits). False when the text is not a quantity, or
    /// too large for a decimal (then no comparison is made and the API server has the last word).
    /// </summary>
    public bool TryToDecimal(out decimal amount)
    {
        amount = 0;
        var number = Value.StartsWith('+') ? Value[1..] : Value;
        var exponent = 0;
        var scale = 1m;
        var e = number.IndexOfAny(['e', 'E']);
        if (e > 0 && e < number.Length - 1)
        {
            // 1e3, 1E-3: an exponent (a bare trailing E is the exa suffix).
            if (!int.TryParse(number[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 28)
            {
                return false;
            }

            number = number[..e];
        }
        else if (Suffixes.FirstOrDefault(x => number.EndsWith(x.Suffix, StringComparison.Ordinal)) is { Suffix: not null } suffix)
        {
            number = number[..^suffix.Suffix.Length];
            scale = suffix.Scale;
        }

        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        try
        {
            amount = value * scale;
            for (var i = 0; i < Math.Abs(exponent); i++)
            {
                amount = exponent > 0 ? amount * 10 : amount / 10;
            }

            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static readonly (string Suffix, decimal Scale)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    public static implicit operator Quantity(string value) => new(value);
}

public sealed class QuantityConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => new Quantity(reader.GetString()!),
        JsonTokenType.Number => new Quantity(reader.TryGetInt64(out var l)
            ? l.ToString(CultureInfo.InvariantCulture)
            : reader.GetDouble().ToString(CultureInfo.InvariantCulture)),
        _ => throw new JsonException("a quantity is a number or a string"),
    };

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Value);
    }
}
