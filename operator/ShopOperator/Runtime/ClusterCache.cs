using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

/// <summary>
/// The informers of every kind a <see cref="ControllerDefinition"/> names, per watched namespace (or one
/// cluster-wide each), with its field indexes. Owned by the host: reconciles read only from here, the API is
/// called only to write, and controllers add their event handlers with <see cref="AddEventHandler"/> before
/// <see cref="RunAsync"/>.
/// </summary>
public sealed class ClusterCache
{
    /// <summary>Children carry this label; the cache lists only labelled objects so it never holds other tools' objects of the owned kinds.</summary>
    public const string ManagedBySelector = "app.kubernetes.io/managed-by=shop-operator";

    private readonly Dictionary<ResourceKind, List<Informer>> _informers = [];
    private readonly Dictionary<ResourceKind, List<Action<CacheEventType, JsonObject>>> _handlers = [];
    private readonly Dictionary<(ResourceKind Kind, string Index), FieldIndex> _indexes = [];

    public ClusterCache(
        KubeApi api,
        ControllerDefinition definition,
        IReadOnlyList<string> namespaces,
        InformerTimings timings,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var logger = loggers.CreateLogger<Informer>();
        IReadOnlyList<string?> scopes = namespaces.Count == 0 ? [null] : [.. namespaces];
        foreach (var index in definition.Indexes)
        {
            _indexes[(index.Kind, index.Name)] = new FieldIndex(index.Values);
        }

        foreach (var kind in definition.Kinds)
        {
            var selector = definition.SelectorOf(kind);
            // Strip what no reconcile reads before the kind's own transform (CacheTransform says what and why).
            var transform = CacheTransform.Then(kind == definition.For ? CacheTransform.Primary : CacheTransform.Owned, definition.TransformOf(kind));
            _handlers[kind] = [];
            var indexes = _indexes.Where(i => i.Key.Kind == kind).Select(i => i.Value).ToList();
            _informers[kind] = [.. scopes.Select(ns => new Informer(api, kind, ns, selector, timings, time, logger, (type, obj) => Dispatch(kind, indexes, type, obj), transform))];
        }
    }

    public IEnumerable<Informer> Informers => _informers.Values.SelectMany(i => i);

    public bool HasSynced => Informers.All(i => i.HasSynced);

    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(Informers.Select(i => i.Synced)).WaitAsync(ct);

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(Informers.Select(i => i.RunAsync(ct)));

    /// <summary>Adds a handler for every event of <paramref name="kind"/>; call before <see cref="RunAsync"/>.</summary>
    public void AddEventHandler(ResourceKind kind, Action<CacheEventType, JsonObject> handler)
    {
        if (!_handlers.TryGetValue(kind, out var handlers))
        {
            throw new InvalidOperationException($"the cache does not hold {kind.Plural}: declare it in the controller definition");
        }

        handlers.Add(handler);
    }

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

    /// <summary>The resourceVersion of a cached object, without parsing it; null when it is not cached.</summary>
    public string? VersionOf(ResourceKind kind, string ns, string name)
    {
        foreach (var informer in _informers[kind])
        {
            if (informer.Namespace is null || informer.Namespace == ns)
            {
                return informer.VersionOf(ns, name);
            }
        }

        return null;
    }

    /// <summary>Key and resourceVersion of every cached <paramref name="kind"/> controlled by <paramref name="owner"/>, unparsed.</summary>
    public IEnumerable<(string Key, string Version)> VersionsOwnedBy(ResourceKind kind, string ns, string owner) =>
        _informers[kind].Where(i => i.Namespace is null || i.Namespace == ns).SelectMany(i => i.VersionsOwnedBy(ns + "/" + owner));

    public IEnumerable<JsonObject> List(ResourceKind kind) => _informers[kind].SelectMany(i => i.List());

    public IEnumerable<string> Keys(ResourceKind kind) => _informers[kind].SelectMany(i => i.Keys);

    /// <summary>Keys (namespace/name) of the cached objects of <paramref name="kind"/> found under <paramref name="value"/> in index <paramref name="index"/>.</summary>
    public IReadOnlyCollection<string> ByIndex(ResourceKind kind, string index, string value) =>
        _indexes.TryGetValue((kind, index), out var found) ? found.Get(value) : throw new InvalidOperationException($"no index {index} on {kind.Plural}");

    public IEnumerable<string> NamesOwnedBy(ResourceKind kind, string ns, string owner) =>
        _informers[kind].Where(i => i.Namespace is null || i.Namespace == ns).SelectMany(i => i.NamesOwnedBy(ns + "/" + owner));

    private void Dispatch(ResourceKind kind, List<FieldIndex> indexes, CacheEventType type, JsonObject obj)
    {
        var key = Informer.KeyOf(obj);
        foreach (var index in indexes)
        {
            index.Update(key, type == CacheEventType.Delete ? null : obj);
        }

        foreach (var handler in _handlers[kind])
        {
            handler(type, obj);
        }
    }

    /// <summary>value → keys, kept in step with the informer's events.</summary>
    private sealed class FieldIndex(Func<JsonObject, IEnumerable<string>> values)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, HashSet<string>> _byValue = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string[]> _byKey = new(StringComparer.Ordinal);

        public void Update(string key, JsonObject? obj)
        {
            var next = obj is null ? [] : values(obj).Distinct(StringComparer.Ordinal).ToArray();
            lock (_gate)
            {
                if (_byKey.Remove(key, out var previous))
                {
                    foreach (var value in previous)
                    {
                        if (_byValue.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                        {
                            _byValue.Remove(value);
                        }
                    }
                }

                if (next.Length == 0)
                {
                    return;
                }

                _byKey[key] = next;
                foreach (var value in next)
                {
                    if (!_byValue.TryGetValue(value, out var keys))
                    {
                        _byValue[value] = keys = new HashSet<string>(StringComparer.Ordinal);
                    }

                    keys.Add(key);
                }
            }
        }

        public IReadOnlyCollection<string> Get(string value)
        {
            lock (_gate)
            {
                return _byValue.TryGetValue(value, out var keys) ? [.. keys] : [];
            }
        }
    }
}
