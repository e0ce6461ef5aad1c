using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

/// <summary>
/// What one controller watches, declared once, as controller-runtime's builder does it:
/// <c>For</c> the primary kind (every event enqueues the object itself), <c>Owns</c> the child kinds (an event
/// enqueues the child's controller owner) and <c>Watches</c> other kinds through a map function (an event
/// enqueues whatever the function returns, like <c>Watches(obj, handler.EnqueueRequestsFromMapFunc(fn))</c>).
/// The host builds the cache from it (<see cref="ClusterCache"/>) and the controller registers its handlers on
/// that cache (<see cref="Controller"/>).
/// </summary>
public sealed record ControllerDefinition(
    string Name,
    ResourceKind For,
    IReadOnlyList<ResourceKind> Owns,
    IReadOnlyList<WatchDefinition> Watches,
    IReadOnlyList<IndexDefinition> Indexes)
{
    /// <summary>Owned kinds are listed and watched only with our label, so the cache never holds other tools' objects of those kinds.</summary>
    public const string OwnedSelector = ClusterCache.ManagedBySelector;

    /// <summary>Every kind the cache holds, once each.</summary>
    public IReadOnlyList<ResourceKind> Kinds =>
        [.. new[] { For }.Concat(Owns).Concat(Watches.Select(w => w.Kind)).Distinct()];

    /// <summary>
    /// The label selector of the kind's informer: none for the primary kind and for a kind watched without a
    /// selector (which then also delivers the owned objects of that kind); our label for a kind only owned.
    /// </summary>
    public string? SelectorOf(ResourceKind kind)
    {
        if (kind == For)
        {
            return null;
        }

        var watch = Watches.FirstOrDefault(w => w.Kind == kind);
        return watch is not null ? watch.LabelSelector : OwnedSelector;
    }

    public Func<JsonObject, JsonObject>? TransformOf(ResourceKind kind) => Watches.FirstOrDefault(w => w.Kind == kind)?.Transform;
}

/// <summary>
/// A kind watched through a map function from one of its objects to the keys (namespace/name) of the primary
/// objects to reconcile. <paramref name="Transform"/> shrinks what the cache keeps of each object (controller-runtime's
/// cache TransformFunc): applied before the object is stored or handed to any handler.
/// </summary>
public sealed record WatchDefinition(
    ResourceKind Kind,
    string? LabelSelector,
    Func<ClusterCache, JsonObject, IEnumerable<string>> Map,
    Func<JsonObject, JsonObject>? Transform = null);

/// <summary>A field index on a cached kind (controller-runtime's FieldIndexer): object → the values it is found under.</summary>
public sealed record IndexDefinition(ResourceKind Kind, string Name, Func<JsonObject, IEnumerable<string>> Values);
