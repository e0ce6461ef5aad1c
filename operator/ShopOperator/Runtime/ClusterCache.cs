using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

/// <summary>
/// The informers of every kind the operator reads, per watched namespace (or one cluster-wide each).
/// Reconciles read only from here; the API is called only to write.
/// </summary>
public sealed class ClusterCache
{
    /// <summary>Children carry this label; the cache lists only labelled objects so it never holds every Secret of the cluster.</summary>
    public const string ManagedBySelector = "app.kubernetes.io/managed-by=shop-operator";

    private readonly Dictionary<ResourceKind, List<Informer>> _informers = [];

    public ClusterCache(
        KubeApi api,
        IReadOnlyList<string> namespaces,
        InformerTimings timings,
        TimeProvider time,
        ILoggerFactory loggers,
        Action<ResourceKind, CacheEventType, JsonObject> onEvent)
    {
        var logger = loggers.CreateLogger<Informer>();
        IReadOnlyList<string?> scopes = namespaces.Count == 0 ? [null] : [.. namespaces];
        foreach (var kind in ResourceKind.Owned.Prepend(ResourceKind.ShopInstance))
        {
            var selector = kind == ResourceKind.ShopInstance ? null : ManagedBySelector;
            _informers[kind] = [.. scopes.Select(ns => new Informer(api, kind, ns, selector, timings, time, logger, (type, obj) => onEvent(kind, type, obj)))];
        }
    }

    public IEnumerable<Informer> Informers => _informers.Values.SelectMany(i => i);

    public bool HasSynced => Informers.All(i => i.HasSynced);

    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(Informers.Select(i => i.Synced)).WaitAsync(ct);

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(Informers.Select(i => i.RunAsync(ct)));

    public JsonObject? Get(ResourceKind kind, string ns, string name)
    {
        foreach (var informer in _informers[kind])
        {
            if (informer.Namespace is null || informer.Namespace == ns)
            {
                return informer.Get(ns, name);
            }
        }

        return null;
    }

    public IEnumerable<JsonObject> List(ResourceKind kind) => _informers[kind].SelectMany(i => i.List());

    public IEnumerable<string> Keys(ResourceKind kind) => _informers[kind].SelectMany(i => i.Keys);

    public IEnumerable<string> NamesOwnedBy(ResourceKind kind, string ns, string owner) =>
        _informers[kind].Where(i => i.Namespace is null || i.Namespace == ns).SelectMany(i => i.NamesOwnedBy(ns + "/" + owner));
}
