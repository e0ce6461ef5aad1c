using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>Routing: from an HTTP request to a verb on a resource, and the answer back.</summary>
internal sealed partial class ApiStore
{
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

        var user = UserInfo.FromAuthorization(context.Request.Headers.Authorization.FirstOrDefault());
        if (Authorize(user, verb, route) is { } forbidden)
        {
            Counts.Add(verb, route.Resource, 403);
            await Answer(context, 403, forbidden);
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

        if (route.Subresource == "log")
        {
            await AnswerPodLogAsync(context, verb, route);
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
        if (method is "POST" or "PUT" && contentType.StartsWith(Protobuf.MediaType, StringComparison.Ordinal))
        {
            // kubectl create sends protobuf: decoded to JSON for the kinds of ProtobufSchema, 415 for the others.
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (Protobuf.TryDecode(buffer.ToArray(), out var protobufError) is not { } decoded)
            {
                Counts.Add(verb, route.Resource, protobufError!.Code);
                // The message is upstream's; why the emulator cannot read the body is the cause.
                var details = protobufError.Detail is { } detail
                    ? new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnsupportedMediaType", ["message"] = detail }) }
                    : null;
                await Answer(context, protobufError.Code, Status(protobufError.Code, protobufError.Code == 415 ? "UnsupportedMediaType" : "BadRequest", protobufError.Message, details));
                return;
            }

            context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(decoded.ToJsonString()));
            contentType = "application/json";
        }

        if (method is "POST" or "PUT" && contentType.Length > 0 && !contentType.Contains("json", StringComparison.Ordinal))
        {
            // Only JSON is spoken; clients asking for protobuf get 415 and fall back to JSON as against an aggregated server.
            Counts.Add(verb, route.Resource, 415);
            await Answer(context, 415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json (got {contentType})"));
            return;
        }

        var writer = new Writer(query["fieldManager"].FirstOrDefault(), context.Request.Headers.UserAgent.ToString(), query["force"].FirstOrDefault(), query["fieldValidation"].FirstOrDefault());
        if (method is "POST" or "PUT" or "PATCH" || (method == "DELETE" && context.Request.ContentLength > 0))
        {
            try
            {
                using var reader = new StreamReader(context.Request.Body);
                var text = await reader.ReadToEndAsync(context.RequestAborted);
                body = text.Length == 0 ? null : contentType.StartsWith(ApplyPatchType, StringComparison.Ordinal) ? ApplyBody.Parse(text, writer.Duplicates) : FieldValidation.ParseJson(text, writer.Duplicates);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
            {
                Counts.Add(verb, route.Resource, 400);
                await Answer(context, 400, Status(400, "BadRequest", $"invalid {(e is System.Text.Json.JsonException ? "JSON" : "YAML")}: {e.Message}"));
                return;
            }
        }


        (int Code, JsonObject Body) result;
        try
        {
            result = Dispatch(verb, route, body, query, method, contentType, writer, user);
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

        foreach (var warning in writer.Warnings)
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await Answer(context, result.Code, result.Body, accept);
    }

    private (int Code, JsonObject Body) Dispatch(string verb, Route route, JsonNode? body, IQueryCollection query, string method, string contentType, Writer writer, UserInfo user)
    {
        lock (_gate)
        {
            _requestUser = user;
            return verb switch
            {
                "get" => Get(route),
                "list" => List(route, query),
                "create" or "update" or "patch" when writer.Invalid(verb) is { } invalid => (422, invalid),
                "create" or "update" or "patch" when writer.Duplicates.Count > 0 && writer.Validation == FieldValidation.Strict =>
                    (400, Status(400, "BadRequest", "strict decoding error: " + string.Join(", ", writer.Duplicates.Select(d => $"duplicate field \"{d}\"")))),
                "create" => Create(route, body as JsonObject, query, writer),
                "update" => Update(route, body as JsonObject, writer),
                "patch" => Patch(route, body, contentType, query, writer),
                "delete" => Delete(route, body as JsonObject, query),
                "deletecollection" => DeleteCollection(route, query),
                _ => (405, Status(405, "MethodNotAllowed", $"{method} is not supported")),
            };
        }
    }

    private static async Task Answer(HttpContext context, int code, JsonObject body, string accept = "")
    {
        if (Negotiate(accept, body) is not { } format)
        {
            // negotiation.errNotAcceptable: only protobuf was asked for, and this object has no protobuf encoding here.
            code = 406;
            body = Status(406, "NotAcceptable", "only the following media types are accepted: application/json");
            format = ("application/json", null);
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = format.MediaType;
        if (format.Protobuf is { } bytes)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>
    /// The answer's media type ("API Concepts", Protobuf encoding): the first range of <paramref name="accept"/>, by
    /// q then order, the emulator can serve: protobuf when <paramref name="body"/> has an encoding here, JSON for
    /// <c>application/json</c>, <c>application/*</c> and <c>*/*</c>. Ranges with <c>as=</c> (Table) are chosen before.
    /// Null when protobuf was asked for, could not be served, and no JSON range followed; JSON when nothing matched.
    /// </summary>
    private static (string MediaType, byte[]? Protobuf)? Negotiate(string accept, JsonObject body)
    {
        var ranges = accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((range, index) =>
            {
                var parts = range.Split(';', StringSplitOptions.TrimEntries);
                var q = parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0] == "q")
                    .Select(p => double.TryParse(p[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 1.0)
                    .DefaultIfEmpty(1.0).First();
                return (Type: parts[0].ToLowerInvariant(), Table: parts.Skip(1).Any(p => p.StartsWith("as=", StringComparison.Ordinal)), Q: q, Index: index);
            })
            .Where(r => r.Q > 0 && !r.Table)
            .OrderByDescending(r => r.Q).ThenBy(r => r.Index);
        var askedProtobuf = false;
        foreach (var range in ranges)
        {
            if (range.Type == Protobuf.MediaType)
            {
                askedProtobuf = true;
                if (Protobuf.TryEncode(body) is { } bytes)
                {
                    return (Protobuf.MediaType, bytes);
                }
            }
            else if (range.Type is "application/json" or "application/*" or "*/*")
            {
                return ("application/json", null);
            }
        }

        return askedProtobuf ? null : ("application/json", null);
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
        if (sub is not null && !ServesSubresource(type, sub) || parts.Length > i + 3)
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
            lock (_gate)
            {
                answer = DiscoveryOpenApi.Index(_types);
            }

            return true;
        }

        if (trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            lock (_gate)
            {
                answer = DiscoveryOpenApi.Document(_types, trimmed["/openapi/v3/".Length..]);
            }

            return true;
        }

        if (trimmed.StartsWith("/openapi", StringComparison.Ordinal))
        {
            return true;
        }

        var parts = trimmed.Trim('/').Split('/');
        if (trimmed is not ("/version" or "/api" or "/apis" or "/api/v1") && !(parts.Length is 2 or 3 && parts[0] == "apis"))
        {
            // Every resource request passes here: it is told apart without taking the store's lock.
            return false;
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
}
