using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shop.Api;

/// <summary>Strict JSON: missing or null required fields, strings for numbers, overflow all fail to bind (400).</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.MaxDepth = 16;
        return options;
    }
}
