using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Operator.Tests.MiniApi;

/// <summary>
/// A small in-memory Kubernetes API for the operator's own tests, used while tests/KubeEmulator is not
/// available: generic CRUD for every path, resourceVersion conflicts, status subresource, generation on
/// spec changes, no-op updates store nothing, finalizers, owner-reference garbage collection, list+watch
/// with bookmarks and 410 after compaction, a deployment controller with failing images, request counting
/// and fault injection.
/// </summary>
public sealed class MiniApiServer : IClusterHarness
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(long Rv, string Collection, string Type, JsonObject Obj)> _history = [];
    private readonly ConcurrentDictionary<Channel<string>, (string Collection, string? Ns, string? Selector)> _watchers = new();
    private readonly ConcurrentQueue<(string Verb, string Resource, int Status)> _faults = new();
    private readonly HashSet<string> _failingImages = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private long _rv = 100;
    private long _compactedBelow;
    private long _writes;
    private long _all;

    private MiniApiServer(WebApplication app)
    {
        _app = app;
    }

    public KubernetesClientConfiguration Config { get; private set; } = new();

    public long WriteRequests => Interlocked.Read(ref _writes);

    public long AllRequests => Interlocked.Read(ref _all);

    public TimeSpan DeploymentDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    public static async Task<MiniApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new MiniApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Config = new KubernetesClientConfiguration { Host = address };
        return server;
    }

    public void FailNext(string verb, string resource, int status, int count)
    {
        for (var i = 0; i < count; i++)
        {
            _faults.Enqueue((verb, resource, status));
        }
    }

    public void CloseWatches()
    {
        foreach (var watcher in _watchers.Keys)
        {
            watcher.Writer.TryComplete();
        }
    }

    public void CompactHistory()
    {
        lock (_gate)
        {
            _compactedBelow = _rv;
            _history.Clear();
        }
    }

    public Task SetFailingImagesAsync(params string[] images)
    {
        lock (_gate)
        {
            _failingImages.Clear();
            _failingImages.UnionWith(images);
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        CloseWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
    }

    private sealed record Route(string Collection, string Plural, string? Ns, string? Name, string? Sub, string ApiVersion);

    private static Route? Parse(PathString path)
    {
        var parts = path.Value!.Trim('/').Split('/');
        int i;
        string apiVersion;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            apiVersion = parts[1];
            i = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            apiVersion = parts[1] + "/" + parts[2];
            i = 3;
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (parts.Length > i + 2 && parts[i] == "namespaces")
        {
            ns = parts[i + 1];
            i += 2;
        }

        if (parts.Length <= i)
        {
            return null;
        }

        var plural = parts[i];
        var name = parts.Length > i + 1 ? parts[i + 1] : null;
        var sub = parts.Length > i + 2 ? parts[i + 2] : null;
        if (plural == "namespaces" && ns is null && name is not null && sub is null)
        {
            // /api/v1/namespaces/{name}
        }

        return new Route(apiVersion + "/" + plural, plural, ns, name, sub, apiVersion);
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _all);
        var method = context.Request.Method;
        var route = Parse(context.Request.Path);
        var isWatch = context.Request.Query["watch"] is { Count: > 0 } w && w[0] is "true" or "1";
        var verb = method switch
        {
            "GET" => isWatch ? "watch" : route?.Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => method,
        };
        if (method is not "GET")
        {
            Interlocked.Increment(ref _writes);
        }

        if (route is null)
        {
            await Answer(context, 404, Status(404, "NotFound", "no such path"));
            return;
        }

        if (_faults.TryPeek(out var fault) && fault.Verb == verb && (fault.Resource == route.Plural || fault.Resource == route.Plural + "/" + route.Sub) && _faults.TryDequeue(out fault))
        {
            if (fault.Status == 429)
            {
                context.Response.Headers.RetryAfter = "0";
            }

            await Answer(context, fault.Status, Status(fault.Status, fault.Status switch { 409 => "Conflict", 429 => "TooManyRequests", _ => "InternalError" }, "injected fault"));
            return;
        }

        JsonObject? body = null;
        if (method is "POST" or "PUT")
        {
            body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        }

        if (verb == "watch")
        {
            await WatchAsync(context, route);
            return;
        }

        var (status, answer) = verb switch
        {
            "list" => List(route, context.Request.Query["labelSelector"].FirstOrDefault()),
            "get" => Get(route),
            "create" => Create(route, body!),
            "update" => Update(route, body!),
            "delete" => Delete(route),
            _ => (405, Status(405, "MethodNotAllowed", verb)),
        };
        await Answer(context, status, answer);
    }

    private static async Task Answer(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static JsonObject Status(int code, string reason, string message) =>
        new() { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["code"] = code, ["reason"] = reason, ["message"] = message };

    private static string Key(string collection, string? ns, string name) => $"{collection}|{ns}|{name}";

    private (int, JsonObject) List(Route route, string? selector)
    {
        lock (_gate)
        {
            var items = _objects.Where(p => p.Key.StartsWith(route.Collection + "|" + (route.Ns ?? ""), StringComparison.Ordinal))
                .Select(p => p.Value)
                .Where(o => (route.Ns is null || Ns(o) == route.Ns) && Matches(o, selector))
                .Select(o => o.DeepClone())
                .ToArray();
            return (200, new JsonObject
            {
                ["kind"] = "List",
                ["apiVersion"] = route.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            });
        }
    }

    private (int, JsonObject) Get(Route route)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(route.Collection, route.Ns, route.Name!), out var obj)
                ? (200, (JsonObject)obj.DeepClone())
                : (404, Status(404, "NotFound", $"{route.Plural} \"{route.Name}\" not found"));
        }
    }

    private (int, JsonObject) Create(Route route, JsonObject body)
    {
        lock (_gate)
        {
            var name = body["metadata"]?["name"]?.GetValue<string>() ?? "";
            var key = Key(route.Collection, route.Ns, name);
            if (_objects.ContainsKey(key))
            {
                return (409, Status(409, "AlreadyExists", $"{route.Plural} \"{name}\" already exists"));
            }

            var meta = body["metadata"]!.AsObject();
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            meta["generation"] = 1L;
            if (route.Ns is not null)
            {
                meta["namespace"] = route.Ns;
            }

            if (route.Plural != "events" && route.Plural != "leases" && route.Plural != "namespaces" && route.Plural != "secrets" && route.Plural != "serviceaccounts")
            {
                body.Remove("status");
            }

            Store(route.Collection, key, body, "ADDED");
            AfterWrite(route, body);
            return (201, (JsonObject)body.DeepClone());
        }
    }

    private (int, JsonObject) Update(Route route, JsonObject body)
    {
        lock (_gate)
        {
            var key = Key(route.Collection, route.Ns, route.Name!);
            if (!_objects.TryGetValue(key, out var current))
            {
                return (404, Status(404, "NotFound", $"{route.Plural} \"{route.Name}\" not found"));
            }

            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is not null && rv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                return (409, Status(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again"));
            }

            var next = (JsonObject)current.DeepClone();
            if (route.Sub == "status")
            {
                next["status"] = body["status"]?.DeepClone();
            }
            else
            {
                foreach (var (field, value) in body)
                {
                    if (field is "status" or "metadata")
                    {
                        continue;
                    }

                    next[field] = value?.DeepClone();
                }

                foreach (var field in next.Select(p => p.Key).Where(f => f is not ("status" or "metadata" or "apiVersion" or "kind") && !body.ContainsKey(f)).ToList())
                {
                    next.Remove(field);
                }

                foreach (var field in new[] { "labels", "annotations", "ownerReferences", "finalizers" })
                {
                    next["metadata"]![field] = body["metadata"]?[field]?.DeepClone();
                    if (next["metadata"]![field] is null)
                    {
                        next["metadata"]!.AsObject().Remove(field);
                    }
                }

                if (!JsonNode.DeepEquals(next["spec"], current["spec"]))
                {
                    next["metadata"]!["generation"] = current["metadata"]!["generation"]!.GetValue<long>() + 1;
                }
            }

            if (JsonNode.DeepEquals(next, current))
            {
                return (200, (JsonObject)current.DeepClone());
            }

            if (next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
            {
                RemoveLocked(route.Collection, key, next);
                return (200, (JsonObject)next.DeepClone());
            }

            Store(route.Collection, key, next, "MODIFIED");
            AfterWrite(route, next);
            return (200, (JsonObject)next.DeepClone());
        }
    }

    private (int, JsonObject) Delete(Route route)
    {
        lock (_gate)
        {
            var key = Key(route.Collection, route.Ns, route.Name!);
            if (!_objects.TryGetValue(key, out var current))
            {
                return (404, Status(404, "NotFound", $"{route.Plural} \"{route.Name}\" not found"));
            }

            if (current["metadata"]?["finalizers"] is JsonArray { Count: > 0 })
            {
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    var next = (JsonObject)current.DeepClone();
                    next["metadata"]!["deletionTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    Store(route.Collection, key, next, "MODIFIED");
                }

                return (200, (JsonObject)_objects[key].DeepClone());
            }

            RemoveLocked(route.Collection, key, current);
            return (200, Status(200, "Success", "deleted"));
        }
    }

    private void RemoveLocked(string collection, string key, JsonObject obj)
    {
        _objects.Remove(key);
        var deleted = (JsonObject)obj.DeepClone();
        deleted["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
        Publish(collection, "DELETED", deleted);

        // Garbage collection: dependents of the deleted owner go too.
        var uid = obj["metadata"]!["uid"]!.GetValue<string>();
        foreach (var (depKey, dep) in _objects.ToArray())
        {
            if (dep["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => r?["uid"]?.GetValue<string>() == uid))
            {
                RemoveLocked(depKey[..depKey.IndexOf('|', StringComparison.Ordinal)], depKey, dep);
            }
        }
    }

    private void Store(string collection, string key, JsonObject obj, string type)
    {
        _objects.TryGetValue(key, out var old);
        obj["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        Publish(collection, type, obj, old);
    }

    private void Publish(string collection, string type, JsonObject obj, JsonObject? old = null)
    {
        var copy = (JsonObject)obj.DeepClone();
        _history.Add((_rv, collection, type, copy));
        var line = new JsonObject { ["type"] = type, ["object"] = copy.DeepClone() }.ToJsonString();
        foreach (var (channel, filter) in _watchers)
        {
            if (filter.Collection != collection || (filter.Ns is not null && filter.Ns != Ns(obj)))
            {
                continue;
            }

            if (Matches(obj, filter.Selector))
            {
                channel.Writer.TryWrite(line);
            }
            else if (old is not null && Matches(old, filter.Selector))
            {
                // As the API server's watch cache does: an object that stops matching the selector is DELETED for that watch.
                channel.Writer.TryWrite(new JsonObject { ["type"] = "DELETED", ["object"] = copy.DeepClone() }.ToJsonString());
            }
        }
    }

    private async Task WatchAsync(HttpContext context, Route route)
    {
        var selector = context.Request.Query["labelSelector"].FirstOrDefault();
        var from = long.TryParse(context.Request.Query["resourceVersion"].FirstOrDefault(), CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"].FirstOrDefault(), CultureInfo.InvariantCulture, out var t) ? t : 1800;
        var channel = Channel.CreateUnbounded<string>();
        lock (_gate)
        {
            if (from < _compactedBelow)
            {
                channel.Writer.TryWrite(new JsonObject { ["type"] = "ERROR", ["object"] = Status(410, "Expired", $"too old resource version: {from} ({_rv})") }.ToJsonString());
                channel.Writer.TryComplete();
            }
            else
            {
                foreach (var e in _history.Where(h => h.Rv > from && h.Collection == route.Collection && (route.Ns is null || Ns(h.Obj) == route.Ns) && Matches(h.Obj, selector)))
                {
                    channel.Writer.TryWrite(new JsonObject { ["type"] = e.Type, ["object"] = e.Obj.DeepClone() }.ToJsonString());
                }

                _watchers[channel] = (route.Collection, route.Ns, selector);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        cts.CancelAfter(TimeSpan.FromSeconds(timeout));
        try
        {
            await context.Response.Body.FlushAsync(cts.Token);
            await foreach (var line in channel.Reader.ReadAllAsync(cts.Token))
            {
                await context.Response.WriteAsync(line + "\n", cts.Token);
                await context.Response.Body.FlushAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: the stream just ends.
        }
        finally
        {
            _watchers.TryRemove(channel, out _);
        }
    }

    private void AfterWrite(Route route, JsonObject obj)
    {
        if (route.Plural == "deployments" && route.Sub is null)
        {
            var ns = Ns(obj)!;
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            _ = SimulateDeploymentAsync(route.Collection, ns, name);
        }
    }

    /// <summary>The deployment controller: after a short delay, status follows the spec, unless the image is failing.</summary>
    private async Task SimulateDeploymentAsync(string collection, string ns, string name)
    {
        try
        {
            await Task.Delay(DeploymentDelay, _stop.Token);
            var key = Key(collection, ns, name);
            DateTime? failAt = null;
            while (!_stop.IsCancellationRequested)
            {
                lock (_gate)
                {
                    if (!_objects.TryGetValue(key, out var current))
                    {
                        return;
                    }

                    var replicas = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                    var image = current["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() ?? "";
                    var failing = _failingImages.Contains(image);
                    var deadline = current["spec"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600;
                    failAt ??= DateTime.UtcNow.AddSeconds(deadline);
                    var exceeded = failing && DateTime.UtcNow >= failAt;
                    var available = failing ? 0 : replicas;
                    var next = (JsonObject)current.DeepClone();
                    next["status"] = new JsonObject
                    {
                        ["observedGeneration"] = current["metadata"]!["generation"]!.GetValue<long>(),
                        ["replicas"] = replicas,
                        ["updatedReplicas"] = replicas,
                        ["readyReplicas"] = available,
                        ["availableReplicas"] = available,
                        ["conditions"] = new JsonArray(
                            new JsonObject { ["type"] = "Available", ["status"] = available >= replicas ? "True" : "False", ["reason"] = "MinimumReplicasAvailable" },
                            new JsonObject
                            {
                                ["type"] = "Progressing",
                                ["status"] = exceeded ? "False" : "True",
                                ["reason"] = exceeded ? "ProgressDeadlineExceeded" : failing ? "ReplicaSetUpdated" : "NewReplicaSetAvailable",
                            }),
                    };
                    if (!JsonNode.DeepEquals(next, current))
                    {
                        Store(collection, key, next, "MODIFIED");
                    }

                    if (!failing || exceeded)
                    {
                        return;
                    }
                }

                await Task.Delay(100, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Server stopping.
        }
    }

    private static string? Ns(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    private static bool Matches(JsonObject obj, string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }

        foreach (var term in selector.Split(','))
        {
            var eq = term.IndexOf('=', StringComparison.Ordinal);
            var (k, v) = (term[..eq], term[(eq + 1)..]);
            if (obj["metadata"]?["labels"]?[k]?.GetValue<string>() != v)
            {
                return false;
            }
        }

        return true;
    }
}
