using System.Text.Json.Nodes;

namespace ShopOperator.Runtime;

/// <summary>
/// What the cache drops from every object before it is stored or handed to a handler (controller-runtime's
/// cache TransformFunc, <c>TransformStripManagedFields</c>): fields no reconcile reads, which a real API server
/// makes the largest part of small objects.
/// <list type="bullet">
/// <item><c>metadata.managedFields</c>: nothing in the operator reads them from the cache (drift is decided by
/// "our fields are a subset of live" and the <c>WriteMemo</c> of resourceVersions, never by field ownership);
/// every write already removes them, and a server keeps the stored ones when an update omits them.</item>
/// <item>the <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation, on owned kinds only: the
/// primary object is written back whole (finalizers, status) from the cache, and a PUT without that annotation
/// would delete it and break the user's next <c>kubectl apply</c>. Children are ours; a copy of a user's spec
/// in an annotation is never read.</item>
/// </list>
/// Spec, labels, the other annotations, ownerReferences and status stay: the "desired is a subset of live"
/// comparison reads the spec and metadata we set, and readiness reads the children's status.
/// </summary>
public static class CacheTransform
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>For the primary kind, which is written back from the cache: only managedFields go.</summary>
    public static JsonObject Primary(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        (obj["metadata"] as JsonObject)?.Remove("managedFields");
        return obj;
    }

    /// <summary>For owned and watched kinds: managedFields and kubectl's last-applied copy go.</summary>
    public static JsonObject Owned(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
            if (metadata["annotations"] is JsonObject annotations && annotations.Remove(LastAppliedAnnotation) && annotations.Count == 0)
            {
                metadata.Remove("annotations");
            }
        }

        return obj;
    }

    /// <summary><paramref name="first"/>, then <paramref name="then"/> if there is one.</summary>
    public static Func<JsonObject, JsonObject> Then(Func<JsonObject, JsonObject> first, Func<JsonObject, JsonObject>? then) =>
        then is null ? first : o => then(first(o));
}
