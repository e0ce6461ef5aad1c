using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Runtime;

public enum CacheEventType
{
    Upsert,
    Delete,
}

/// <summary>
/// List-then-watch cache of one kind in one namespace (or all), as client-go's reflector does it.
/// The paths the KubernetesClient helpers get wrong are explicit here:
/// - the stream ends silently (server timeout, proxy, dropped connection): resume from the last seen
///   resourceVersion, without a relist;
/// - 410 Gone (as HTTP status or as an ERROR event inside the stream): relist, never resume from the
///   stale version;
/// - any other failure: reconnect with exponential backoff.
/// </summary>
public sealed class Informer
{
    // Objects are kept as their UTF-8 JSON (a parsed DOM costs ~10x more) and parsed on read; the controller
    // owner and resourceVersion are kept beside them so pruning and relisting need no parse.
    private readonly ConcurrentDictionary<string, CachedObject> _store = new(StringComparer.Ordinal);

    // controller owner key (namespace/name) → keys of the objects it controls. An owner has one to three objects of
    // a kind, so each entry is a small array replaced whole by the informer's loop (the only writer) and read as a
    // snapshot: a dictionary per owner cost ~700 bytes each, 5 MiB at 1,000 shops over the seven owned kinds.
    private readonly ConcurrentDictionary<string, string[]> _byOwner = new(StringComparer.Ordinal);
    private readonly KubeApi _api;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<CacheEventType, JsonObject> _onEvent;
    private readonly Func<JsonObject, JsonObject> _transform;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(
        KubeApi api,
        ResourceKind kind,
        string? ns,
        string? labelSelector,
        InformerTimings timings,
        TimeProvider time,
        ILogger logger,
        Action<CacheEventType, JsonObject> onEvent,
        Func<JsonObject, JsonObject>? transform = null)
    {
        _api = api;
        Kind = kind;
        Namespace = ns;
        LabelSelector = labelSelector;
        Timings = timings;
        _time = time;
        _logger = logger;
        _onEvent = onEvent;
        _transform = transform ?? (o => o);
    }

    /// <summary>Items per list page.</summary>
    /// <remarks>
    /// client-go's pager asks for 500. Here 100: a page is read and parsed whole, and the buffers of that parse
    /// (pooled, so they outlive it) scale with the page; at 500 a restart of 1,000 shops kept a live heap of 89 MiB
    /// after its compaction against 40 MiB after convergence, at 100 it keeps 47 MiB (issue 14, docs/benchmarks.md).
    /// The price is five times as many list requests on a (re)start (about 140 for 1,000 shops), each small.
    /// </remarks>
    public const int ListPageSize = 100;

    public ResourceKind Kind { get; }

    public string? Namespace { get; }

    public string? LabelSelector { get; }

    public InformerTimings Timings { get; }

    public bool HasSynced => _synced.Task.IsCompleted;

    public Task Synced => _synced.Task;

    /// <summary>How many full lists this informer did (the first one plus one per 410 or failed resume).</summary>
    public int ListCount { get; private set; }

    public string LastResourceVersion { get; private set; } = "";

    public int Count => _store.Count;

    /// <summary>A fresh copy: callers may modify it.</summary>
    public JsonObject? Get(string ns, string name) => _store.TryGetValue(ns + "/" + name, out var cached) ? cached.Parse() : null;

    public IReadOnlyCollection<JsonObject> List() => [.. _store.Values.Select(c => c.Parse())];

    public IEnumerable<string> Keys => _store.Keys;

    /// <summary>The cached object's resourceVersion, read without parsing it; null when it is not cached.</summary>
    public string? VersionOf(string ns, string name) => _store.TryGetValue(ns + "/" + name, out var cached) ? cached.ResourceVersion ?? "" : null;

    /// <summary>Key and resourceVersion of each cached object whose controller owner is <paramref name="ownerKey"/>, unparsed.</summary>
    public IEnumerable<(string Key, string Version)> VersionsOwnedBy(string ownerKey) =>
        _byOwner.TryGetValue(ownerKey, out var keys)
            ? keys.Select(k => (k, _store.TryGetValue(k, out var cached) ? cached.ResourceVersion ?? "" : "-"))
            : [];

    /// <summary>Names of cached objects whose controller owner is <paramref name="ownerKey"/> (namespace/name).</summary>
    /// <remarks>From an index by controller owner, so a pass never scans the whole kind.</remarks>
    public IEnumerable<string> NamesOwnedBy(string ownerKey) =>
        _byOwner.TryGetValue(ownerKey, out var keys)
            ? [.. keys.Select(k => k[(k.IndexOf('/', StringComparison.Ordinal) + 1)..])]
            : [];

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var needList = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(ct);
                    needList = false;
                }

                var timeout = Timings.WatchTimeout + (Timings.WatchTimeout * (0.5 * Random.Shared.NextDouble()));

                // A connection that died without a FIN never ends the stream: give up a little after the
                // server should have ended it, and resume.
                using var stuck = CancellationTokenSource.CreateLinkedTokenSource(ct);
                stuck.CancelAfter(timeout + TimeSpan.FromSeconds(30));
                var started = _time.GetTimestamp();
                var events = 0;
                try
                {
                    await foreach (var e in _api.WatchAsync(Kind, Namespace, LabelSelector, LastResourceVersion, timeout, stuck.Token))
                    {
                        failures = 0;
                        events++;
                        Apply(e);
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    _logger.LogInformation("Watch of {Kind} outlived its timeout without ending; reconnecting", Kind.Plural);
                }

                // The server (or something between) closed the stream: normal; resume where we were.
                _logger.LogDebug("Watch of {Kind} ended at {ResourceVersion}; resuming", Kind.Plural, LastResourceVersion);
                if (events == 0 && _time.GetElapsedTime(started) < TimeSpan.FromSeconds(1))
                {
                    // A stream that ends at once, again and again (a misbehaving proxy), must not become a hot loop.
                    failures++;
                    await Task.Delay(Backoff(failures), _time, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                _logger.LogInformation("Watch of {Kind} expired at {ResourceVersion} (410 Gone); relisting", Kind.Plural, LastResourceVersion);
                needList = true;
            }
            catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException or OperationCanceledException or InvalidOperationException)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.LogWarning("Watch of {Kind} failed ({Error}); retrying in {Delay} ms", Kind.Plural, e.Message, (int)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var ms = Timings.MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, Timings.MaxBackoff.TotalMilliseconds));
    }

    /// <summary>
    /// Lists in pages of <see cref="ListPageSize"/> (client-go's pager: <c>limit</c> then <c>continue</c>), each page
    /// transformed and stored before the next is asked for, so a relist of many objects never holds the whole
    /// list beside the cache. Every page of one list is a view of the first page's resourceVersion; an expired
    /// token (410) relists from the start.
    /// </summary>
    private async Task ListAndReplaceAsync(CancellationToken ct)
    {
        ListCount++;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = "";
        var resourceVersion = "";
        do
        {
            var page = await _api.ListAsync(Kind, Namespace, LabelSelector, ct, ListPageSize, next);
            foreach (var listed in page.Items)
            {
                var item = _transform(listed);
                var key = KeyOf(item);
                seen.Add(key);
                if (_store.TryGetValue(key, out var old) && old.ResourceVersion == ResourceVersionOf(item))
                {
                    continue;
                }

                Store(key, CachedObject.From(item));
                _onEvent(CacheEventType.Upsert, item);
            }

            // Watch from the first page's version: a server that answers later pages at a newer version (not a
            // consistent snapshot) then still replays what changed behind the continue token.
            if (resourceVersion.Length == 0)
            {
                resourceVersion = page.ResourceVersion;
            }

            next = page.Continue;
        }
        while (!string.IsNullOrEmpty(next));

        // Objects deleted while we were not watching (e.g. across a 410) must not linger in the cache.
        foreach (var (key, old) in _store.ToArray())
        {
            if (!seen.Contains(key) && Remove(key))
            {
                _onEvent(CacheEventType.Delete, old.Parse());
            }
        }

        LastResourceVersion = resourceVersion;
        _synced.TrySetResult();
        _logger.LogDebug("Listed {Count} {Kind} at {ResourceVersion}", seen.Count, Kind.Plural, resourceVersion);
    }

    /// <summary>Stores <paramref name="cached"/> and keeps the owner index in step (only the informer's loop writes).</summary>
    private void Store(string key, CachedObject cached)
    {
        if (_store.TryGetValue(key, out var previous) && previous.OwnerKey != cached.OwnerKey)
        {
            Unindex(key, previous.OwnerKey);
        }

        _store[key] = cached;
        if (cached.OwnerKey is { } owner)
        {
            if (!_byOwner.TryGetValue(owner, out var keys))
            {
                _byOwner[owner] = [key];
            }
            else if (Array.IndexOf(keys, key) < 0)
            {
                _byOwner[owner] = [.. keys, key];
            }
        }
    }

    private bool Remove(string key)
    {
        if (!_store.TryRemove(key, out var removed))
        {
            return false;
        }

        Unindex(key, removed.OwnerKey);
        return true;
    }

    private void Unindex(string key, string? owner)
    {
        if (owner is null || !_byOwner.TryGetValue(owner, out var keys) || Array.IndexOf(keys, key) < 0)
        {
            return;
        }

        if (keys.Length == 1)
        {
            _byOwner.TryRemove(owner, out _);
        }
        else
        {
            _byOwner[owner] = [.. keys.Where(k => k != key)];
        }
    }

    private void Apply(WatchEvent e)
    {
        var rv = ResourceVersionOf(e.Object);
        switch (e.Type)
        {
            case "ADDED":
            case "MODIFIED":
                e.Object["apiVersion"] ??= Kind.ApiVersion;
                e.Object["kind"] ??= Kind.Kind;
                var upserted = _transform(e.Object);
                Store(KeyOf(upserted), CachedObject.From(upserted));
                _onEvent(CacheEventType.Upsert, upserted);
                break;
            case "DELETED":
                var deleted = _transform(e.Object);
                Remove(KeyOf(deleted));
                _onEvent(CacheEventType.Delete, deleted);
                break;
            case "BOOKMARK":
                break;
            default:
                _logger.LogDebug("Ignoring watch event type {Type}", e.Type);
                return;
        }

        if (!string.IsNullOrEmpty(rv))
        {
            LastResourceVersion = rv;
        }
    }

    public static string KeyOf(JsonObject obj) =>
        (obj["metadata"]?["namespace"]?.GetValue<string>() ?? "") + "/" + (obj["metadata"]?["name"]?.GetValue<string>() ?? "");

    public static string? ResourceVersionOf(JsonObject obj) => obj["metadata"]?["resourceVersion"]?.GetValue<string>();
}

/// <summary>
/// One cached object: its UTF-8 JSON, Brotli-compressed at the fastest quality, with the resourceVersion and
/// controller owner beside it so a no-op pass, pruning and relisting never decompress it.
/// </summary>
/// <remarks>
/// Why compressed: the JSON of a shop's fourteen children is ~20 KB (a Deployment alone ~4 KB, mostly labels,
/// selectors and the pod template, which repeat), the largest part of the operator's heap at 1,000 shops (issue
/// 14); compressed they take less than half (a 3,964-byte Deployment: 1,621 bytes). A read decompresses and parses one object (microseconds), and reads
/// happen only in passes that act on a shop.
/// </remarks>
internal sealed record CachedObject(byte[] Compressed, int Length, string? ResourceVersion, string? OwnerKey)
{
    private const int Quality = 1;
    private const int Window = 22;

    public static CachedObject From(JsonObject obj)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(obj.ToJsonString());
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(json.Length));
        try
        {
            var compressed = System.IO.Compression.BrotliEncoder.TryCompress(json, buffer, out var written, Quality, Window)
                ? buffer.AsSpan(0, written).ToArray()
                : throw new InvalidOperationException("Brotli could not compress a cached object into its maximum compressed length");
            return new CachedObject(compressed, json.Length, Informer.ResourceVersionOf(obj), Controller.ControllerOwner(obj));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public JsonObject Parse()
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Length);
        try
        {
            if (!System.IO.Compression.BrotliDecoder.TryDecompress(Compressed, buffer, out var written) || written != Length)
            {
                throw new InvalidOperationException("a cached object did not decompress to its recorded length");
            }

            return (JsonObject)JsonNode.Parse(buffer.AsSpan(0, written))!;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Watch and reconnect timings; short in tests, client-go-like in production.</summary>
public sealed record InformerTimings(TimeSpan WatchTimeout, TimeSpan MinBackoff, TimeSpan MaxBackoff)
{
    public static InformerTimings Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
}
