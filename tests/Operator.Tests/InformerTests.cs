using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ShopOperator.Kube;
using ShopOperator.Runtime;

namespace Operator.Tests;

/// <summary>The watch paths KubernetesClient's own helpers get wrong, driven request by request.</summary>
public sealed class InformerTests
{
    private static readonly InformerTimings Fast = new(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50));

    private static string Pod(string name, string rv) =>
        $$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"{{{name}}}","namespace":"ns","resourceVersion":"{{{rv}}}"}}""";

    private static string List(string rv, params string[] items) =>
        $$$"""{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"{{{rv}}}"},"items":[{{{string.Join(",", items)}}}]}""";

    private static Task Json(HttpContext c, string body, int status = 200)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        return c.Response.WriteAsync(body);
    }

    private static (Informer Informer, ConcurrentQueue<string> Events) NewInformer(ScriptedApiServer server)
    {
        var events = new ConcurrentQueue<string>();
        var informer = new Informer(
            new KubeApi(server.Client()),
            ResourceKind.Secret,
            "ns",
            ClusterCache.ManagedBySelector,
            Fast,
            TimeProvider.System,
            NullLogger.Instance,
            (type, obj) => events.Enqueue($"{type} {obj["metadata"]!["name"]}"));
        return (informer, events);
    }

    [Fact]
    public async Task Lists_then_watches_from_the_list_version_with_bookmarks_and_resumes_after_a_silent_end()
    {
        await using var server = await ScriptedApiServer.StartAsync();
        var (informer, events) = NewInformer(server);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        var list = await server.AnswerAsync(c => Json(c, List("10", Pod("a", "5"))));
        Assert.StartsWith("GET /api/v1/namespaces/ns/secrets?labelSelector=", list);
        Assert.DoesNotContain("watch", list);

        var (watch, lines) = await server.OpenWatchAsync();
        Assert.Contains("watch=true", watch);
        Assert.Contains("allowWatchBookmarks=true", watch);
        Assert.Contains("resourceVersion=10", watch);
        await lines.Writer.WriteAsync($$"""{"type":"ADDED","object":{{Pod("b", "11")}}}""");
        await lines.Writer.WriteAsync("""{"type":"BOOKMARK","object":{"kind":"Secret","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}""");
        await Poll.UntilAsync(() => informer.LastResourceVersion == "15");
        lines.Writer.Complete(); // the stream just ends, as a server timeout or a proxy does

        var (resumed, lines2) = await server.OpenWatchAsync();
        Assert.Contains("resourceVersion=15", resumed);
        Assert.Equal(1, informer.ListCount);
        Assert.NotNull(informer.Get("ns", "b"));
        Assert.Equal(["Upsert a", "Upsert b"], events.ToArray());
        Assert.True(informer.HasSynced);

        await cts.CancelAsync();
        lines2.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_410_inside_the_stream_relists_and_drops_objects_deleted_meanwhile()
    {
        await using var server = await ScriptedApiServer.StartAsync();
        var (informer, events) = NewInformer(server);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await server.AnswerAsync(c => Json(c, List("10", Pod("a", "5"), Pod("b", "6"))));
        var (_, lines) = await server.OpenWatchAsync();
        await lines.Writer.WriteAsync("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 10 (30)","reason":"Expired","code":410}}""");
        lines.Writer.Complete();

        var relist = await server.AnswerAsync(c => Json(c, List("30", Pod("a", "5"), Pod("c", "29"))));
        Assert.DoesNotContain("watch", relist);
        var (watch, lines2) = await server.OpenWatchAsync();
        Assert.Contains("resourceVersion=30", watch);
        Assert.Equal(2, informer.ListCount);
        Assert.Null(informer.Get("ns", "b"));
        Assert.NotNull(informer.Get("ns", "c"));
        Assert.Equal(["Upsert a", "Upsert b", "Upsert c", "Delete b"], events.ToArray());

        await cts.CancelAsync();
        lines2.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_410_status_on_the_watch_request_relists_and_a_500_retries_from_the_same_version()
    {
        await using var server = await ScriptedApiServer.StartAsync();
        var (informer, _) = NewInformer(server);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await server.AnswerAsync(c => Json(c, List("10")));
        var failed = await server.AnswerAsync(c => Json(c, """{"kind":"Status","code":500,"message":"boom"}""", 500));
        Assert.Contains("resourceVersion=10", failed);
        var gone = await server.AnswerAsync(c => Json(c, """{"kind":"Status","code":410,"reason":"Gone","message":"too old"}""", 410));
        Assert.Contains("resourceVersion=10", gone);
        var relist = await server.AnswerAsync(c => Json(c, List("40", Pod("z", "39"))));
        Assert.DoesNotContain("watch", relist);
        var (watch, lines) = await server.OpenWatchAsync();
        Assert.Contains("resourceVersion=40", watch);
        Assert.NotNull(informer.Get("ns", "z"));

        await cts.CancelAsync();
        lines.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
