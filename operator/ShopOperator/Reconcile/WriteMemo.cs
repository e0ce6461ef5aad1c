using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Reconcile;

/// <summary>
/// Remembers, per object, what we last wrote (a hash of the object we applied) and the resourceVersion the server
/// stored it as. What we applied to a child is also on the child itself (<see cref="ChildApplier.AppliedHashAnnotation"/>),
/// which survives a restart; this memo adds one case: when the server keeps a field different from what we sent (a
/// default or normalisation the subset comparison does not know), "same wish, same stored version" stops a write per
/// pass. Kept in memory: after a restart such a child is applied once (a no-op apply stores nothing).
/// </summary>
public sealed class WriteMemo
{
    private readonly ConcurrentDictionary<string, (string Wish, string? StoredVersion)> _written = new(StringComparer.Ordinal);

    /// <summary>We last wrote exactly <paramref name="wish"/> and nobody wrote the object since.</summary>
    public bool AlreadyWritten(ResourceKind kind, string ns, string name, string subresource, JsonNode wish, JsonObject live) =>
        _written.TryGetValue(Key(kind, ns, name, subresource), out var last)
        && last.Wish == JsonCompare.Hash(wish)
        && last.StoredVersion is not null
        && last.StoredVersion == Runtime.Informer.ResourceVersionOf(live);

    public void Record(ResourceKind kind, string ns, string name, string subresource, JsonNode wish, JsonObject stored) =>
        _written[Key(kind, ns, name, subresource)] = (JsonCompare.Hash(wish), Runtime.Informer.ResourceVersionOf(stored));

    public void Forget(string ns, string name)
    {
        foreach (var key in _written.Keys)
        {
            if (key.Contains($"|{ns}/{name}", StringComparison.Ordinal))
            {
                _written.TryRemove(key, out _);
            }
        }
    }

    private static string Key(ResourceKind kind, string ns, string name, string subresource) => $"{kind.Plural}|{ns}/{name}|{subresource}";
}
