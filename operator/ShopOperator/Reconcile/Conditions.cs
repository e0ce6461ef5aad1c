using System.Globalization;
using System.Text.Json.Nodes;

namespace ShopOperator.Reconcile;

/// <summary>Standard-shape conditions whose lastTransitionTime moves only when the status flips.</summary>
public sealed class Conditions
{
    private readonly JsonArray _previous;
    private readonly long _generation;
    private readonly DateTimeOffset _now;
    private readonly List<JsonObject> _conditions = [];

    public Conditions(JsonObject? previousStatus, long generation, DateTimeOffset now)
    {
        _previous = previousStatus?["conditions"] as JsonArray ?? [];
        _generation = generation;
        _now = now;
    }

    public Conditions Set(string type, bool status, string reason, string message)
    {
        var value = status ? "True" : "False";
        var previous = Find(_previous, type);
        var since = previous?["status"]?.GetValue<string>() == value && previous["lastTransitionTime"] is { } t
            ? t.GetValue<string>()
            : _now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        _conditions.RemoveAll(c => c["type"]!.GetValue<string>() == type);
        _conditions.Add(new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["reason"] = reason,
            ["message"] = message,
            ["observedGeneration"] = _generation,
            ["lastTransitionTime"] = since,
        });
        return this;
    }

    /// <summary>Keeps a condition from the previous status untouched (e.g. DatabaseReady while the database was not looked at).</summary>
    public Conditions Keep(string type)
    {
        if (Find(_previous, type) is { } previous)
        {
            _conditions.RemoveAll(c => c["type"]!.GetValue<string>() == type);
            _conditions.Add((JsonObject)previous.DeepClone());
        }

        return this;
    }

    public JsonArray ToJson() => new([.. _conditions.Select(c => (JsonNode)c.DeepClone())]);

    public static JsonObject? Find(JsonArray conditions, string type) =>
        conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static DateTimeOffset? Since(JsonObject? status, string type, string value)
    {
        var c = Find(status?["conditions"] as JsonArray ?? [], type);
        return c?["status"]?.GetValue<string>() == value && c["lastTransitionTime"] is { } t
            ? DateTimeOffset.Parse(t.GetValue<string>(), CultureInfo.InvariantCulture)
            : null;
    }
}
