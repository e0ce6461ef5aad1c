using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KubeEmulator;

/// <summary>Watch: the event history, open watch streams and bookmarks.</summary>
internal sealed partial class ApiStore
{
    private void Publish(ResourceType type, string eventType, JsonObject obj, JsonObject? old)
    {
        // The event is serialized once, under the lock, as its line of a watch stream: every watch it goes to and the
        // history share that text, so the object needs no copy (a later write replaces it, and the text stays).
        var line = Line(eventType, obj);
        var ns = Meta(obj, "namespace");
        _history.AddLast(new WatchEvent(_resourceVersion, type.Collection, ns, line));
        while (_history.Count > _options.WatchHistoryWindow)
        {
            _oldestKept = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        string? deletedLine = null;
        foreach (var sink in _watchers)
        {
            if (sink.Collection != type.Collection || (sink.Namespace is not null && sink.Namespace != ns))
            {
                continue;
            }

            if (sink.Matches(obj))
            {
                sink.Channel.Writer.TryWrite(line);
            }
            else if (old is not null && sink.Matches(old))
            {
                // As the watch cache does: an object that stops matching the selector is DELETED for that watch.
                sink.Channel.Writer.TryWrite(deletedLine ??= Line("DELETED", obj));
            }
        }
    }

    /// <summary>One watch event as its line of the stream: <c>{"type":...,"object":...}</c>, written straight from <paramref name="obj"/> (no copy of it).</summary>
    private static string Line(string type, JsonObject obj)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

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
                    && (route.Namespace is null || h.Namespace == route.Namespace) && Matches(h.Object())))
                {
                    channel.Writer.TryWrite(e.Line);
                }

                _watchers.Add(sink);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        cts.CancelAfter(TimeSpan.FromSeconds(timeout));
        // Bookmarks as the apiserver's watch cache sends them (staging/src/k8s.io/apiserver/pkg/storage/cacher:
        // defaultBookmarkFrequency = time.Minute, and cacheWatcher.nextBookmarkTime): one a minute after the last
        // (or the start), moved earlier to 2 s before the watch's deadline, so the client has the latest
        // resourceVersion when the stream ends; none after that one. Events do not move it.
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        DateTime? nextBookmark = bookmarks ? NextBookmark(DateTime.UtcNow, deadline) : null;
        try
        {
            await context.Response.Body.FlushAsync(cts.Token);
            while (true)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                if (nextBookmark is { } due)
                {
                    tick.CancelAfter(due > DateTime.UtcNow ? due - DateTime.UtcNow : TimeSpan.Zero);
                }

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
                    line = Bookmark(route.Type);
                    var after = NextBookmark(DateTime.UtcNow, deadline);
                    nextBookmark = after > nextBookmark ? after : null;
                }

                if (line is not null)
                {
                    // Events queued meanwhile go out in the same flush: a burst of writes costs one send, not one each.
                    var body = context.Response.BodyWriter;
                    do
                    {
                        Encoding.UTF8.GetBytes(line, body);
                        body.Write("\n"u8);
                    }
                    while (channel.Reader.TryRead(out line));

                    await body.FlushAsync(cts.Token);
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

    private static DateTime NextBookmark(DateTime now, DateTime deadline)
    {
        var heartbeat = now.AddMinutes(1);
        var beforeDeadline = deadline.AddSeconds(-2);
        return beforeDeadline < heartbeat ? beforeDeadline : heartbeat;
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
}
