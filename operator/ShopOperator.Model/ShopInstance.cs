using System.Text.Json;
using System.Text.Json.Nodes;

namespace ShopOperator.Model;

/// <summary>A ShopInstance as the model works with it: identity, typed spec, the status it last reported.</summary>
public sealed record ShopInstance(string Name, string Namespace, string Uid, long Generation, ShopInstanceSpec Spec, ShopInstanceStatus? Status)
{
    /// <summary>
    /// The typed view of a ShopInstance that <see cref="ShopInstanceValidator"/> accepted. Throws
    /// <see cref="ArgumentException"/> otherwise: validate first.
    /// </summary>
    public static ShopInstance FromJson(JsonObject shop)
    {
        var parsed = ParsedShop.Parse(shop);
        return parsed.Shop ?? throw new ArgumentException("invalid ShopInstance: " + string.Join("; ", parsed.Errors), nameof(shop));
    }

    /// <summary>The typed view of an object <see cref="ShopInstanceValidator"/> has just accepted (see <see cref="ParsedShop.Parse"/>).</summary>
    internal static ShopInstance FromValidJson(JsonObject shop)
    {
        var meta = shop["metadata"]!;
        var spec = WithoutNulls(shop["spec"])!.Deserialize<ShopInstanceSpec>(ModelJson.Options)!;
        return new ShopInstance(
            meta["name"]!.GetValue<string>(),
            meta["namespace"]?.GetValue<string>() ?? "default",
            meta["uid"]?.GetValue<string>() ?? "",
            JsonRead.Long(meta["generation"]) ?? 0,
            spec,
            ReadStatus(shop["status"]));
    }

    /// <summary>The stored status, or null when there is none or it is not what this operator writes (then it starts afresh).</summary>
    public static ShopInstanceStatus? ReadStatus(JsonNode? status)
    {
        if (status is not JsonObject)
        {
            return null;
        }

        try
        {
            return WithoutNulls(status)!.Deserialize<ShopInstanceStatus>(ModelJson.Options);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public static JsonObject StatusToJson(ShopInstanceStatus status) =>
        JsonSerializer.SerializeToNode(status, ModelJson.Options)!.AsObject();

    /// <summary>The API server prunes nulls of non-nullable fields; do the same so "tls:" with no value means absent.</summary>
    internal static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        null => null,
        _ => node.DeepClone(),
    };
}

/// <summary>
/// A ShopInstance as read from the API server, validated once: the raw object, the field errors, and the typed view
/// when there are none. A reconcile pass parses once and hands this to every step (planner, status, diagnosis).
/// </summary>
public sealed record ParsedShop
{
    private ParsedShop(JsonObject json, IReadOnlyList<FieldError> errors, ShopInstance? shop)
    {
        Json = json;
        Errors = errors;
        Shop = shop;
    }

    public JsonObject Json { get; }

    /// <summary>Every rule the object breaks (<see cref="ShopInstanceValidator"/>); empty when it is valid.</summary>
    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>The typed view; null exactly when <see cref="Errors"/> is not empty.</summary>
    public ShopInstance? Shop { get; }

    public static ParsedShop Parse(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = ShopInstanceValidator.Validate(json);
        return new ParsedShop(json, errors, errors.Count == 0 ? ShopInstance.FromValidJson(json) : null);
    }
}
