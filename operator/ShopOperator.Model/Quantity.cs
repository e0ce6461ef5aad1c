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
