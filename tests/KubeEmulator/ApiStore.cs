using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace KubeEmulator;

/// <summary>The API server: routing, storage, watch, admission, garbage collection and the deployment controller.</summary>
internal sealed partial class ApiStore
{
    private readonly Lock _gate = new();
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly HashSet<WatchSink> _watchers = [];
    private readonly List<ResourceType> _types = [.. ResourceType.BuiltIn];
    private readonly Dictionary<string, DeploymentPods> _deploymentPods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _deploymentRuns = new(StringComparer.Ordinal);
    private long _resourceVersion = 1;
    private long _oldestKept = 1;
    private long _clusterIps;

    public ApiStore(EmulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Faults = new EmulatorFaults(CloseWatches, Compact);
        foreach (var ns in new[] { "default", "kube-system", "kube-public" })
        {
            var type = _types[0];
            var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns }, ["spec"] = new JsonObject(), ["status"] = new JsonObject { ["phase"] = "Active" } };
            lock (_gate)
            {
                Initialize(obj, type, null);
                Store(type, Key(type, null, ns), obj, "ADDED");
            }
        }
    }

    public EmulatorFaults Faults { get; }

    public RequestCounts Counts { get; } = new();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        CloseWatches();
    }

    private sealed record WatchEvent(long ResourceVersion, string Collection, string Type, JsonObject Object);

    private sealed record Route(ResourceType Type, string? Namespace, string? Name, string? Subresource)
    {
        public string Resource => Subresource is null ? Type.Plural : $"{Type.Plural}/{Subresource}";
    }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var query = context.Request.Query;
        var method = context.Request.Method;
        if (Faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(Faults.Latency, context.RequestAborted);
        }

        if (path.TrimEnd('/') == "/openapi/v2")
        {
            // An empty protobuf message is a valid, empty OpenAPI v2 document: kubectl's client-side validation
            // then knows no kind and skips validation, so --validate=false is not needed.
            Counts.Add("get", "openapi", 200);
            context.Response.ContentType = "application/octet-stream";
            return;
        }

        if (TryDiscovery(path, out var discovery))
        {
            Counts.Add("get", "discovery", discovery is null ? 404 : 200);
            await Answer(context, discovery is null ? 404 : 200, discovery ?? Status(404, "NotFound", "the server could not find the requested resource"));
            return;
        }

        if (path == "/metrics")
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            await context.Response.WriteAsync(Counts.ToPrometheus(), context.RequestAborted);
            return;
        }

        Route? route;
        lock (_gate)
        {
            route = Parse(path);
        }

        var isWatch = query["watch"] is { Count: > 0 } w && w[0] is "true" or "1";
        var verb = method switch
        {
            "GET" when isWatch => "watch",
            "GET" => route?.Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => route?.Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        if (route is null)
        {
            Counts.Add(verb, "unknown", 404);
            await Answer(context, 404, Status(404, "NotFound", $"the server could not find the requested resource ({path})"));
            return;
        }

        if (Faults.Take(verb, route.Resource) is { } injected)
        {
            Counts.Add(verb, route.Resource, injected);
            if (injected == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            var reason = injected switch { 409 => "Conflict", 429 => "TooManyRequests", 503 => "ServiceUnavailable", _ => "InternalError" };
            await Answer(context, injected, Status(injected, reason, "injected fault"));
            return;
        }

        if (verb == "watch")
        {
            Counts.Add(verb, route.Resource, 200);
            await WatchAsync(context, route);
            return;
        }

        JsonNode? body = null;
        var contentType = context.Request.ContentType ?? "";
        if (method is "POST" or "PUT" && contentType.Length > 0 && !contentType.Contains("json", StringComparison.Ordinal))
        {
            // Only JSON is spoken; clients asking for protobuf get 415 and fall back to JSON as against an aggregated server.
            Counts.Add(verb, route.Resource, 415);
            await Answer(context, 415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json (got {contentType})"));
            return;
        }

        if (method is "POST" or "PUT" or "PATCH" || (method == "DELETE" && context.Request.ContentLength > 0))
        {
            try
            {
                using var reader = new StreamReader(context.Request.Body);
                var text = await reader.ReadToEndAsync(context.RequestAborted);
                body = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException e)
            {
                Counts.Add(verb, route.Resource, 400);
                await Answer(context, 400, Status(400, "BadRequest", $"invalid JSON: {e.Message}"));
                return;
            }
        }

        (int Code, JsonObject Body) result;
        try
        {
            result = Dispatch(verb, route, body, query, method, context.Request.ContentType ?? "");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            // A body of an unexpected shape (e.g. a string where an object belongs) is the client's error, never a 500.
            result = (400, Status(400, "BadRequest", $"the request body could not be processed: {e.Message}"));
        }

        Counts.Add(verb, route.Resource, result.Code);
        var accept = context.Request.Headers.Accept.ToString();
        if (result.Code == 200 && verb is "get" or "list" && accept.Contains("as=Table", StringComparison.Ordinal))
        {
            result = (200, Table.Build(route.Type, result.Body, verb == "list", _time.GetUtcNow()));
        }

        await Answer(context, result.Code, result.Body);
    }

    private (int Code, JsonObject Body) Dispatch(string verb, Route route, JsonNode? body, IQueryCollection query, string method, string contentType)
    {
        lock (_gate)
        {
            return verb switch
            {
                "get" => Get(route),
                "list" => List(route, query),
                "create" => Create(route, body as JsonObject, query),
                "update" => Update(route, body as JsonObject),
                "patch" => Patch(route, body, contentType),
                "delete" => Delete(route, body as JsonObject, query),
                "deletecollection" => DeleteCollection(route, query),
                _ => (405, Status(405, "MethodNotAllowed", $"{method} is not supported")),
            };
        }
    }

    private static async Task Answer(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    internal static JsonObject Status(int code, string reason, string message, JsonObject? details = null) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = code < 300 ? "Success" : "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details,
        ["code"] = code,
    };

    private static string Key(ResourceType type, string? ns, string name) => $"{type.Collection}|{ns}|{name}";

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private string NextVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    /// <summary>The next free address of the service range 10.96.0.0/12, as the Service REST storage allocates it.</summary>
    private string AllocateClusterIp()
    {
        var n = ++_clusterIps;
        return $"10.96.{(n / 254) % 256}.{(n % 254) + 1}";
    }

    private Route? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string group;
        string version;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, version, i) = ("", parts[1], 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, version, i) = (parts[1], parts[2], 3);
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

        var type = _types.Find(t => t.Group == group && t.Version == version && t.Plural == parts[i]);
        if (type is null || (type.Namespaced != (ns is not null) && !(type.Namespaced && parts.Length == i + 1)))
        {
            // A namespaced kind may be listed across all namespaces; a cluster-scoped kind never sits in a namespace.
            return type is { Namespaced: false } || type is null ? null : new Route(type, ns, null, null);
        }

        var name = parts.Length > i + 1 ? parts[i + 1] : null;
        var sub = parts.Length > i + 2 ? parts[i + 2] : null;
        if (sub is not null && (sub != "status" || !type.HasStatus) || parts.Length > i + 3)
        {
            return null;
        }

        return new Route(type, ns, name, sub);
    }

    private bool TryDiscovery(string path, out JsonObject? answer)
    {
        answer = null;
        var trimmed = path.TrimEnd('/');
        if (trimmed == "/openapi/v3")
        {
            // An OpenAPI v3 index whose documents hold no schemas: kubectl's client-side validation then finds no
            // schema for a kind and skips it, so no --validate=false is needed.
            var paths = new JsonObject();
            lock (_gate)
            {
                foreach (var gv in _types.Select(t => t.Group.Length == 0 ? "api/v1" : $"apis/{t.Group}/{t.Version}").Distinct())
                {
                    paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={_resourceVersion}" };
                }
            }

            answer = new JsonObject { ["paths"] = paths };
            return true;
        }

        if (trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            answer = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "Kubernetes API emulator", ["version"] = "v1.32.0" },
                ["paths"] = new JsonObject(),
                ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
            };
            return true;
        }

        if (trimmed.StartsWith("/openapi", StringComparison.Ordinal))
        {
            return true;
        }

        lock (_gate)
        {
            switch (trimmed)
            {
                case "/version":
                    answer = new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-emulator", ["platform"] = "linux/amd64" };
                    return true;
                case "/api":
                    answer = new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() };
                    return true;
                case "/apis":
                    answer = Discovery.GroupList(_types);
                    return true;
                case "/api/v1":
                    answer = Discovery.ResourceList(_types, "", "v1");
                    return true;
            }

            var parts = trimmed.Trim('/').Split('/');
            if (parts.Length == 3 && parts[0] == "apis")
            {
                answer = _types.Exists(t => t.Group == parts[1] && t.Version == parts[2]) ? Discovery.ResourceList(_types, parts[1], parts[2]) : null;
                return true;
            }

            if (parts.Length == 2 && parts[0] == "apis")
            {
                answer = Discovery.Group(_types, parts[1]);
                return true;
            }
        }

        return false;
    }

    private (int, JsonObject) Get(Route route)
    {
        return _objects.TryGetValue(Key(route.Type, route.Namespace, route.Name!), out var obj)
            ? (200, (JsonObject)obj.DeepClone())
            : NotFound(route, route.Name!);
    }

    private static (int, JsonObject) NotFound(Route route, string name) =>
        (404, Status(404, "NotFound", $"{route.Type.Plural}{(route.Type.Group.Length > 0 ? "." + route.Type.Group : "")} \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = route.Type.Group, ["kind"] = route.Type.Plural }));

    private IEnumerable<JsonObject> Select(Route route, IQueryCollection query, out JsonObject? error)
    {
        error = null;
        var labels = LabelSelector.Parse(query["labelSelector"].FirstOrDefault());
        if (labels is null)
        {
            error = Status(400, "BadRequest", "unable to parse requirement: invalid label selector");
            return [];
        }

        var fields = ParseFieldSelector(route.Type, query["fieldSelector"].FirstOrDefault(), out error);
        if (fields is null)
        {
            return [];
        }

        var prefix = $"{route.Type.Collection}|{route.Namespace}|";
        return _objects
            .Where(p => route.Namespace is null ? p.Key.StartsWith(route.Type.Collection + "|", StringComparison.Ordinal) : p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Value)
            .Where(o => labels.Matches(o) && fields(o))
            .ToList();
    }

    /// <summary>"field=value", "field==value", "field!=value" terms joined by commas; null (and a 400 Status) for an unsupported field.</summary>
    private static Func<JsonObject, bool>? ParseFieldSelector(ResourceType type, string? selector, out JsonObject? error)
    {
        error = null;
        var terms = new List<(string Field, string Value, bool Equal)>();
        foreach (var term in (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2 || !FieldLabelSupported(type, parts[0]))
            {
                error = Status(400, "BadRequest", $"field label not supported: {parts[0]}");
                return null;
            }

            terms.Add((parts[0], parts[1], !negate));
        }

        return o => terms.TrueForAll(t => ((FieldValue(o, t.Field) ?? "") == t.Value) == t.Equal);
    }

    /// <summary>
    /// Every kind supports metadata.name and metadata.namespace; core/v1 Events also the fields their
    /// registry declares (kubectl describe lists an object's Events by involvedObject.*).
    /// </summary>
    private static bool FieldLabelSupported(ResourceType type, string field) =>
        field is "metadata.name" or "metadata.namespace"
        || (type.Plural == "events" && type.Group.Length == 0 && field is "involvedObject.kind" or "involvedObject.namespace" or "involvedObject.name"
            or "involvedObject.uid" or "involvedObject.apiVersion" or "involvedObject.resourceVersion" or "involvedObject.fieldPath"
            or "reason" or "reportingComponent" or "source" or "type");

    private static string? FieldValue(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in (field == "source" ? "source.component" : field).Split('.'))
        {
            node = node?[part];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }

    private static string? Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>();

    private (int, JsonObject) List(Route route, IQueryCollection query)
    {
        var items = Select(route, query, out var error).ToList();
        if (error is not null)
        {
            return (400, error);
        }

        var meta = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
        var limit = int.TryParse(query["limit"].FirstOrDefault(), CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        if (query["continue"].FirstOrDefault() is { Length: > 0 } token)
        {
            // The continue token carries the last key returned; keys are listed in order.
            var after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            items = items.Where(o => string.CompareOrdinal(Key(route.Type, Meta(o, "namespace"), Meta(o, "name")!), after) > 0).ToList();
        }

        if (items.Count > limit)
        {
            var last = items[limit - 1];
            meta["continue"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Key(route.Type, Meta(last, "namespace"), Meta(last, "name")!)));
            meta["remainingItemCount"] = items.Count - limit;
            items = items.Take(limit).ToList();
        }

        return (200, new JsonObject
        {
            ["kind"] = route.Type.Kind + "List",
            ["apiVersion"] = route.Type.GroupVersion,
            ["metadata"] = meta,
            ["items"] = new JsonArray([.. items.Select(o => o.DeepClone())]),
        });
    }

    private void Initialize(JsonObject obj, ResourceType type, string? ns)
    {
        var meta = obj["metadata"]!.AsObject();
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        if (type.HasStatus || type.IsCustom)
        {
            meta["generation"] = 1L;
        }

        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
    }

    private (int, JsonObject) Create(Route route, JsonObject? body, IQueryCollection query)
    {
        if (body is null || route.Name is not null || route.Subresource is not null)
        {
            return (400, Status(400, "BadRequest", "the body must be one object, posted to its collection"));
        }

        if (route.Namespace is null && route.Type.Namespaced)
        {
            return (404, Status(404, "NotFound", "a namespaced resource is created in a namespace"));
        }

        var meta = body["metadata"] as JsonObject ?? [];
        body["metadata"] = meta;
        if (meta["name"] is null && meta["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            meta["name"] = prefix + Convert.ToHexString(Guid.NewGuid().ToByteArray())[..5].ToLowerInvariant();
        }

        var name = meta["name"]?.GetValue<string>() ?? "";
        var invalid = Admission.ValidateName(route.Type, name);
        if (meta["namespace"]?.GetValue<string>() is { } bodyNs && bodyNs != route.Namespace)
        {
            return (400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }

        if (invalid is not null)
        {
            return (422, Admission.Invalid(route.Type, name, [("metadata.name", invalid)]));
        }

        if (route.Namespace is not null)
        {
            if (!_objects.TryGetValue(Key(_types[0], null, route.Namespace), out var ns))
            {
                return (404, Status(404, "NotFound", $"namespaces \"{route.Namespace}\" not found", new JsonObject { ["name"] = route.Namespace, ["kind"] = "namespaces" }));
            }

            if (ns["metadata"]?["deletionTimestamp"] is not null)
            {
                return (403, Status(403, "Forbidden", $"unable to create new content in namespace {route.Namespace} because it is being terminated"));
            }
        }

        var key = Key(route.Type, route.Namespace, name);
        if (_objects.ContainsKey(key))
        {
            return (409, Status(409, "AlreadyExists", $"{route.Type.Plural} \"{name}\" already exists", new JsonObject { ["name"] = name, ["kind"] = route.Type.Plural }));
        }

        foreach (var field in new[] { "resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "generation" })
        {
            meta.Remove(field);
        }

        Initialize(body, route.Type, route.Namespace);
        if (route.Type.HasStatus && route.Type.Plural != "namespaces")
        {
            // "API Conventions": with a status subresource, status is not set by create.
            body.Remove("status");
        }

        var errors = Validate(route.Type, body, null);
        if (errors is not null)
        {
            return (422, errors);
        }

        if (query["dryRun"].FirstOrDefault() == "All")
        {
            return (201, (JsonObject)body.DeepClone());
        }

        Store(route.Type, key, body, "ADDED");
        AfterWrite(route.Type, body);
        return (201, (JsonObject)body.DeepClone());
    }

    private JsonObject? Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        // Defaulting comes before validation, on create and on update alike.
        var errors = new List<(string, string)>(Defaults.Apply(type, obj, old, AllocateClusterIp));
        if (type.Schema is not null)
        {
            Schema.ApplyAndValidate(type.Schema, obj, errors);
        }

        errors.AddRange(Admission.ValidateMetadata(obj));
        errors.AddRange(Admission.ValidateKind(type, obj, old));
        return errors.Count == 0 ? null : Admission.Invalid(type, Meta(obj, "name") ?? "", errors);
    }

    private (int, JsonObject) Update(Route route, JsonObject? body)
    {
        if (body is null || route.Name is null)
        {
            return (400, Status(400, "BadRequest", "the body must be one object"));
        }

        var key = Key(route.Type, route.Namespace, route.Name);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name);
        }

        if (body["metadata"]?["name"]?.GetValue<string>() is { } bodyName && bodyName != route.Name)
        {
            return (400, Status(400, "BadRequest", "the name of the object does not match the name on the URL"));
        }

        var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (rv is null && route.Type.IsCustom)
        {
            // Custom resources do not allow unconditional updates ("API Concepts": metadata.resourceVersion must be specified for an update).
            return (422, Admission.Invalid(route.Type, route.Name, [("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]));
        }

        if (rv is not null && rv != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.Type.Plural} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again", new JsonObject { ["name"] = route.Name, ["kind"] = route.Type.Plural }));
        }

        return Replace(route, key, current, body);
    }

    /// <summary>Stores <paramref name="body"/> as the new state after the rules of the main resource or the status subresource.</summary>
    private (int, JsonObject) Replace(Route route, string key, JsonObject current, JsonObject body)
    {
        JsonObject next;
        if (route.Subresource == "status")
        {
            // "API Conventions": the /status subresource ignores everything but status.
            next = (JsonObject)current.DeepClone();
            next["status"] = body["status"]?.DeepClone();
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            var meta = next["metadata"] as JsonObject ?? [];
            next["metadata"] = meta;
            foreach (var field in new[] { "creationTimestamp", "generation", "deletionTimestamp", "namespace", "name", "resourceVersion" })
            {
                meta[field] = current["metadata"]![field]?.DeepClone();
                if (meta[field] is null)
                {
                    meta.Remove(field);
                }
            }

            if (meta["uid"] is { } uid && uid.GetValue<string>() != Meta(current, "uid"))
            {
                return (422, Admission.Invalid(route.Type, route.Name!, [("metadata.uid", "Invalid value: field is immutable")]));
            }

            meta["uid"] = current["metadata"]!["uid"]!.DeepClone();
            next["apiVersion"] = route.Type.GroupVersion;
            next["kind"] = route.Type.Kind;
            if (route.Type.HasStatus)
            {
                next["status"] = current["status"]?.DeepClone();
                if (next["status"] is null)
                {
                    next.Remove("status");
                }
            }

            if (meta["deletionTimestamp"] is not null && meta["finalizers"] is JsonArray added
                && added.Any(f => current["metadata"]?["finalizers"] is not JsonArray had || !had.Any(h => h?.GetValue<string>() == f?.GetValue<string>())))
            {
                return (422, Admission.Invalid(route.Type, route.Name!, [("metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being deleted")]));
            }
        }

        var errors = Validate(route.Type, next, current);
        if (errors is not null)
        {
            return (422, errors);
        }

        if (route.Subresource is null && (route.Type.HasStatus || route.Type.IsCustom) && !SameExcept(next, current, "metadata", "status"))
        {
            // "API Conventions": metadata.generation moves on changes of the desired state only.
            next["metadata"]!["generation"] = (current["metadata"]!["generation"]?.GetValue<long>() ?? 1) + 1;
        }

        if (JsonNode.DeepEquals(next, current))
        {
            // A no-op write stores nothing: same resourceVersion, no watch event.
            return (200, (JsonObject)current.DeepClone());
        }

        if (next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
        {
            Remove(route.Type, key, next);
            return (200, (JsonObject)next.DeepClone());
        }

        Store(route.Type, key, next, "MODIFIED");
        AfterWrite(route.Type, next);
        return (200, (JsonObject)next.DeepClone());
    }

    private static bool SameExcept(JsonObject a, JsonObject b, params string[] ignored)
    {
        var keys = a.Select(p => p.Key).Concat(b.Select(p => p.Key)).Where(k => !ignored.Contains(k)).Distinct();
        return keys.All(k => JsonNode.DeepEquals(a[k], b[k]));
    }

    private (int, JsonObject) Patch(Route route, JsonNode? patch, string contentType)
    {
        if (route.Name is null || patch is null)
        {
            return (400, Status(400, "BadRequest", "a patch names one object and has a body"));
        }

        var key = Key(route.Type, route.Namespace, route.Name);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name);
        }

        JsonObject? patched;
        var mediaType = contentType.Split(';')[0].Trim();
        switch (mediaType)
        {
            case "application/merge-patch+json":
                patched = Patches.Merge(current.DeepClone(), patch) as JsonObject;
                break;
            case "application/strategic-merge-patch+json":
                if (route.Type.IsCustom)
                {
                    return (415, Status(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"));
                }

                patched = Patches.Strategic(current.DeepClone(), patch) as JsonObject;
                break;
            case "application/json-patch+json":
                if (patch is not JsonArray ops)
                {
                    return (400, Status(400, "BadRequest", "a JSON patch is an array of operations"));
                }

                var (ok, result, message) = Patches.Json((JsonObject)current.DeepClone(), ops);
                if (!ok)
                {
                    return (422, Status(422, "Invalid", message));
                }

                patched = result;
                break;
            default:
                return (415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {mediaType}); server-side apply is not emulated"));
        }

        if (patched is null)
        {
            return (400, Status(400, "BadRequest", "the patch does not yield an object"));
        }

        var rv = patched["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (rv is not null && rv != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.Type.Plural} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again"));
        }

        return Replace(route, key, current, patched);
    }

    private (int, JsonObject) Delete(Route route, JsonObject? options, IQueryCollection query)
    {
        var key = Key(route.Type, route.Namespace, route.Name!);
        if (!_objects.TryGetValue(key, out var current))
        {
            return NotFound(route, route.Name!);
        }

        var policy = query["propagationPolicy"].FirstOrDefault() ?? options?["propagationPolicy"]?.GetValue<string>() ?? "Background";
        if (options?["preconditions"]?["resourceVersion"]?.GetValue<string>() is { } pre && pre != Meta(current, "resourceVersion"))
        {
            return (409, Status(409, "Conflict", "Precondition failed: resourceVersion does not match"));
        }

        return (200, DeleteObject(route.Type, key, current, policy));
    }

    private JsonObject DeleteObject(ResourceType type, string key, JsonObject current, string policy)
    {
        if (policy == "Orphan")
        {
            // "Garbage Collection", orphan: dependents stay, with the reference to this owner removed
            // (upstream does it through the "orphan" finalizer before the owner goes).
            Orphan(Meta(current, "uid")!);
        }

        var finalizers = current["metadata"]?["finalizers"] as JsonArray;
        var dependents = Dependents(Meta(current, "uid")!).ToList();
        var needsForeground = policy == "Foreground" && dependents.Count > 0;
        if (type.Plural == "namespaces" || finalizers is { Count: > 0 } || needsForeground)
        {
            // "Finalizers": the object is only marked; it goes when the last finalizer is removed.
            var next = (JsonObject)current.DeepClone();
            var meta = next["metadata"]!.AsObject();
            meta["deletionTimestamp"] ??= Now();
            if (needsForeground && !(finalizers?.Any(f => f?.GetValue<string>() == "foregroundDeletion") ?? false))
            {
                var list = finalizers is null ? [] : (JsonArray)finalizers.DeepClone();
                list.Add("foregroundDeletion");
                meta["finalizers"] = list;
            }

            if (type.Plural == "namespaces")
            {
                next["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            if (!JsonNode.DeepEquals(next, current))
            {
                Store(type, key, next, "MODIFIED");
            }

            if (needsForeground)
            {
                foreach (var (depType, depKey, dep) in dependents)
                {
                    DeleteObject(depType, depKey, dep, "Foreground");
                }
            }

            if (type.Plural == "namespaces")
            {
                EmptyNamespace(Meta(current, "name")!);
            }

            CompleteForeground();
            return _objects.TryGetValue(key, out var marked) ? (JsonObject)marked.DeepClone() : next;
        }

        Remove(type, key, current);
        return policy == "Orphan" || type.IsCustom || type.HasStatus ? (JsonObject)current.DeepClone() : Status(200, "Success", "deleted", new JsonObject { ["name"] = Meta(current, "name"), ["kind"] = type.Plural, ["uid"] = Meta(current, "uid") });
    }

    private void Orphan(string ownerUid)
    {
        foreach (var (depType, depKey, dep) in Dependents(ownerUid))
        {
            var next = (JsonObject)dep.DeepClone();
            var refs = (JsonArray)next["metadata"]!["ownerReferences"]!;
            foreach (var reference in refs.Where(r => r?["uid"]?.GetValue<string>() == ownerUid).ToList())
            {
                refs.Remove(reference);
            }

            if (refs.Count == 0)
            {
                next["metadata"]!.AsObject().Remove("ownerReferences");
            }

            Store(depType, depKey, next, "MODIFIED");
        }
    }

    private void EmptyNamespace(string ns)
    {
        foreach (var (key, obj) in _objects.Where(p => Meta(p.Value, "namespace") == ns).ToList())
        {
            if (_objects.ContainsKey(key))
            {
                DeleteObject(TypeOf(key), key, obj, "Background");
            }
        }

        var nsKey = Key(_types[0], null, ns);
        if (!_objects.Any(p => Meta(p.Value, "namespace") == ns) && _objects.TryGetValue(nsKey, out var nsObj))
        {
            Remove(_types[0], nsKey, nsObj);
        }
    }

    private ResourceType TypeOf(string key)
    {
        var collection = key[..key.IndexOf('|', StringComparison.Ordinal)];
        return _types.Find(t => t.Collection == collection)!;
    }

    private IEnumerable<(ResourceType, string, JsonObject)> Dependents(string uid) =>
        _objects.Where(p => p.Value["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => r?["uid"]?.GetValue<string>() == uid))
            .Select(p => (TypeOf(p.Key), p.Key, p.Value))
            .ToList();

    /// <summary>"Garbage Collection", foreground: an owner marked with foregroundDeletion goes once no blocking dependent is left.</summary>
    private void CompleteForeground()
    {
        bool removed;
        do
        {
            removed = false;
            foreach (var (key, obj) in _objects.ToList())
            {
                if (obj["metadata"]?["finalizers"] is JsonArray fins && fins.Count == 1 && fins[0]?.GetValue<string>() == "foregroundDeletion"
                    && !Dependents(Meta(obj, "uid")!).Any(d => d.Item3["metadata"]?["ownerReferences"] is JsonArray refs
                        && refs.Any(r => r?["uid"]?.GetValue<string>() == Meta(obj, "uid") && r?["blockOwnerDeletion"]?.GetValue<bool>() == true)))
                {
                    foreach (var dep in Dependents(Meta(obj, "uid")!))
                    {
                        DeleteObject(dep.Item1, dep.Item2, dep.Item3, "Background");
                    }

                    Remove(TypeOf(key), key, obj);
                    removed = true;
                }
            }
        }
        while (removed);
    }

    private (int, JsonObject) DeleteCollection(Route route, IQueryCollection query)
    {
        var items = Select(route, query, out var error).ToList();
        if (error is not null)
        {
            return (400, error);
        }

        foreach (var item in items)
        {
            var key = Key(route.Type, Meta(item, "namespace"), Meta(item, "name")!);
            if (_objects.TryGetValue(key, out var current))
            {
                DeleteObject(route.Type, key, current, query["propagationPolicy"].FirstOrDefault() ?? "Background");
            }
        }

        return (200, Status(200, "Success", $"{items.Count} deleted"));
    }

    private void Remove(ResourceType type, string key, JsonObject obj)
    {
        if (!_objects.Remove(key))
        {
            return;
        }

        // Its ReplicaSets and pods go with a Deployment: one created again under the same name starts from none.
        _deploymentPods.Remove(key);
        _deploymentRuns.Remove(key);

        var deleted = (JsonObject)obj.DeepClone();
        deleted["metadata"]!["resourceVersion"] = NextVersion();
        Publish(type, "DELETED", deleted, null);
        if (type.Plural == "customresourcedefinitions")
        {
            Crds.Uninstall(_types, deleted);
            foreach (var (k, o) in _objects.Where(p => TypeOf(p.Key) is null).ToList())
            {
                _objects.Remove(k);
            }
        }

        // "Garbage Collection", background: dependents whose last owner is gone are deleted.
        foreach (var (depType, depKey, dep) in Dependents(Meta(obj, "uid")!))
        {
            var refs = (JsonArray)dep["metadata"]!["ownerReferences"]!;
            var alive = refs.Any(r => r?["uid"]?.GetValue<string>() != Meta(obj, "uid") && _objects.Values.Any(o => Meta(o, "uid") == r?["uid"]?.GetValue<string>()));
            if (!alive && _objects.ContainsKey(depKey))
            {
                DeleteObject(depType, depKey, dep, "Background");
            }
        }

        CompleteForeground();
        if (Meta(obj, "namespace") is { } ns && _objects.TryGetValue(Key(_types[0], null, ns), out var nsObj) && nsObj["metadata"]?["deletionTimestamp"] is not null
            && !_objects.Any(p => Meta(p.Value, "namespace") == ns))
        {
            Remove(_types[0], Key(_types[0], null, ns), nsObj);
        }
    }

    private void Store(ResourceType type, string key, JsonObject obj, string eventType)
    {
        _objects.TryGetValue(key, out var old);
        obj["metadata"]!["resourceVersion"] = NextVersion();
        _objects[key] = obj;
        Publish(type, eventType, obj, old);
        if (type.Plural == "customresourcedefinitions")
        {
            Crds.Install(_types, obj);
        }
    }

    private void Publish(ResourceType type, string eventType, JsonObject obj, JsonObject? old)
    {
        var copy = (JsonObject)obj.DeepClone();
        _history.AddLast(new WatchEvent(_resourceVersion, type.Collection, eventType, copy));
        while (_history.Count > _options.WatchHistoryWindow)
        {
            _oldestKept = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var sink in _watchers)
        {
            if (sink.Collection != type.Collection || (sink.Namespace is not null && sink.Namespace != Meta(obj, "namespace")))
            {
                continue;
            }

            if (sink.Matches(obj))
            {
                sink.Channel.Writer.TryWrite(Line(eventType, copy));
            }
            else if (old is not null && sink.Matches(old))
            {
                // As the watch cache does: an object that stops matching the selector is DELETED for that watch.
                sink.Channel.Writer.TryWrite(Line("DELETED", copy));
            }
        }
    }

    private static string Line(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private void CloseWatches()
    {
        lock (_gate)
        {
            foreach (var sink in _watchers)
            {
                sink.Channel.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    private void Compact()
    {
        lock (_gate)
        {
            _oldestKept = _resourceVersion + 1;
            _history.Clear();
        }
    }

    private async Task WatchAsync(HttpContext context, Route route)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"].FirstOrDefault()) ?? LabelSelector.Everything;
        var fields = ParseFieldSelector(route.Type, query["fieldSelector"].FirstOrDefault(), out var fieldError) ?? (_ => true);
        if (fieldError is not null)
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(fieldError.ToJsonString(), context.RequestAborted);
            return;
        }

        bool Matches(JsonObject o) => labels.Matches(o) && fields(o);
        var rvText = query["resourceVersion"].FirstOrDefault();
        var timeout = int.TryParse(query["timeoutSeconds"].FirstOrDefault(), CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 1800;
        var bookmarks = query["allowWatchBookmarks"].FirstOrDefault() is "true" or "1";
        var channel = Channel.CreateUnbounded<string>();
        var sink = new WatchSink(route.Type.Collection, route.Namespace, Matches, channel);
        long sentVersion;
        lock (_gate)
        {
            sentVersion = _resourceVersion;
            if (string.IsNullOrEmpty(rvText) || rvText == "0")
            {
                // "API Concepts": without a resourceVersion (or with 0) the watch starts with the current state as ADDED events.
                foreach (var obj in Select(route, query, out _))
                {
                    channel.Writer.TryWrite(Line("ADDED", obj));
                }

                _watchers.Add(sink);
            }
            else if (!long.TryParse(rvText, CultureInfo.InvariantCulture, out var from) || from + 1 < _oldestKept)
            {
                channel.Writer.TryWrite(Line("ERROR", Status(410, "Expired", $"too old resource version: {rvText} ({_resourceVersion})")));
                channel.Writer.TryComplete();
            }
            else
            {
                foreach (var e in _history.Where(h => h.ResourceVersion > from && h.Collection == route.Type.Collection
                    && (route.Namespace is null || Meta(h.Object, "namespace") == route.Namespace) && Matches(h.Object)))
                {
                    channel.Writer.TryWrite(Line(e.Type, e.Object));
                }

                _watchers.Add(sink);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        cts.CancelAfter(TimeSpan.FromSeconds(timeout));
        try
        {
            await context.Response.Body.FlushAsync(cts.Token);
            while (true)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                tick.CancelAfter(TimeSpan.FromSeconds(1));
                string? line = null;
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(tick.Token))
                    {
                        break;
                    }

                    channel.Reader.TryRead(out line);
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    if (bookmarks)
                    {
                        line = Bookmark(route.Type);
                    }
                }

                if (line is not null)
                {
                    await context.Response.WriteAsync(line + "\n", cts.Token);
                    await context.Response.Body.FlushAsync(cts.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds, client gone or server stopping: the stream just ends.
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(sink);
            }

            _ = sentVersion;
        }
    }

    private string Bookmark(ResourceType type)
    {
        lock (_gate)
        {
            return Line("BOOKMARK", new JsonObject
            {
                ["kind"] = type.Kind,
                ["apiVersion"] = type.GroupVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
            });
        }
    }

    private void AfterWrite(ResourceType type, JsonObject obj)
    {
        if (type.Plural == "deployments")
        {
            var key = Key(type, Meta(obj, "namespace"), Meta(obj, "name")!);
            var generation = obj["metadata"]!["generation"]!.GetValue<long>();
            if (obj["status"]?["observedGeneration"]?.GetValue<long>() != generation && _deploymentRuns.GetValueOrDefault(key) != generation)
            {
                // One controller run per generation: a metadata-only write before its first sync starts no second one.
                _deploymentRuns[key] = generation;
                _ = RunDeploymentControllerAsync(type, key, generation, _time.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// The deployment controller: every <see cref="EmulatorOptions.DeploymentControllerDelay"/> one rolling-update
    /// step, until the new pods are all available or, with a failing image, the progress deadline has passed.
    /// </summary>
    private async Task RunDeploymentControllerAsync(ResourceType type, string key, long generation, DateTimeOffset started)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(_options.DeploymentControllerDelay, _time, _stop.Token);
                lock (_gate)
                {
                    if (!_objects.TryGetValue(key, out var current) || current["metadata"]!["generation"]!.GetValue<long>() != generation)
                    {
                        return;
                    }

                    var template = current["spec"]?["template"]?.ToJsonString() ?? "";
                    var desired = current["spec"]?["replicas"]?.GetValue<int>() ?? 1;
                    var images = (current["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["image"]?.GetValue<string>() ?? "");
                    var failing = FailingImages();
                    var pods = DeploymentController.Step(DeploymentPods.For(_deploymentPods.GetValueOrDefault(key), template), desired, images.Any(failing.Contains));
                    _deploymentPods[key] = pods;
                    var complete = DeploymentController.IsComplete(pods, desired);
                    var deadline = TimeSpan.FromSeconds(current["spec"]?["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
                    var exceeded = !complete && _time.GetUtcNow() - started >= deadline;
                    var next = (JsonObject)current.DeepClone();
                    next["status"] = DeploymentController.Status(current, pods, exceeded, Now());
                    if (!JsonNode.DeepEquals(next["status"], current["status"]))
                    {
                        Store(type, key, next, "MODIFIED");
                    }

                    if (complete || exceeded)
                    {
                        _deploymentRuns.Remove(key);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Server stopping.
        }
    }

    private HashSet<string> FailingImages()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = _types.Find(t => t.Plural == "configmaps")!;
        if (_objects.TryGetValue(Key(configMaps, "kube-system", "emulator-faults"), out var cm) && cm["data"]?["failingImages"]?.GetValue<string>() is { } text)
        {
            set.UnionWith(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return set;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    internal static partial Regex Dns1123Subdomain();
}
