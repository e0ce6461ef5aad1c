using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace KubeEmulator.Tests;

public sealed class WatchAndPatchTests() : EmulatorTest()
{

    private async Task<List<JsonNode>> WatchLinesAsync(string query, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var response = await Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=1&" + query, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var lines = new List<JsonNode>();
        while (lines.Count < count && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            lines.Add(JsonNode.Parse(line)!);
        }

        return lines;
    }

    [Fact]
    public async Task ApiConcepts_Watch_without_resourceVersion_starts_with_current_state_as_ADDED()
    {
        await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        var lines = await WatchLinesAsync("timeoutSeconds=2", 1);
        Assert.Equal("ADDED", lines[0]["type"]!.GetValue<string>());
        Assert.Equal("a", lines[0]["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConcepts_Watch_from_N_streams_changes_after_N_in_order()
    {
        var a = await Client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        a.Data = new Dictionary<string, string> { ["k"] = "v" };
        await Client.ReplaceNamespacedConfigMapAsync(a, "a", "default");
        await Client.DeleteNamespacedConfigMapAsync("a", "default");
        var lines = await WatchLinesAsync($"resourceVersion={a.Metadata.ResourceVersion}", 2);
        Assert.Equal(["MODIFIED", "DELETED"], lines.Select(l => l["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ApiConcepts_Watch_bookmarks_carry_the_current_resourceVersion()
    {
        // timeoutSeconds=3: the bookmark due 2 s before the deadline comes after about 1 s.
        var lines = await WatchLinesAsync("resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=3", 1);
        Assert.Equal("BOOKMARK", lines[0]["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(lines[0]["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>()));
    }

    /// <summary>
    /// The apiserver's watch cache (k8s.io/apiserver storage/cacher, defaultBookmarkFrequency = time.Minute and
    /// cacheWatcher.nextBookmarkTime) sends a bookmark a minute after the last one, or 2 s before the watch's deadline
    /// when that comes first; an idle watch is not sent one every second (which made idle clients look busy).
    /// </summary>
    [Fact]
    public async Task ApiConcepts_Watch_an_idle_watch_gets_its_bookmark_2s_before_its_deadline_not_every_second()
    {
        var started = DateTime.UtcNow;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=6", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var lines = new List<(TimeSpan At, string Type)>();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            lines.Add((DateTime.UtcNow - started, JsonNode.Parse(line)!["type"]!.GetValue<string>()));
        }

        var bookmark = Assert.Single(lines);
        Assert.Equal("BOOKMARK", bookmark.Type);
        Assert.True(bookmark.At >= TimeSpan.FromSeconds(3.5), $"the bookmark came after {bookmark.At}, before the deadline's 2 s");
    }

    [Fact]
    public async Task ApiConcepts_Watch_timeoutSeconds_ends_the_stream_and_CloseAllWatches_ends_it_early()
    {
        var started = DateTime.UtcNow;
        using var response = await Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsStringAsync();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));

        var watch = Http.GetAsync("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1", HttpCompletionOption.ResponseContentRead);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Emulator.RequestCounts.Get("watch", "configmaps") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await Task.Delay(100);
        Emulator.Faults.CloseAllWatches();
        var done = await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.Same(watch, done);
        (await watch).Dispose();
    }

    [Fact]
    public async Task Patch_merge_json_and_strategic_on_a_Deployment()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "p" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "p" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "a", Image = "a:1" }, new V1Container { Name = "b", Image = "b:1" }] },
                },
            },
        };
        await Client.CreateNamespacedDeploymentAsync(deployment, "default");

        // Strategic merge: containers merge by name, so b survives.
        var smp = await Client.PatchNamespacedDeploymentAsync(new V1Patch("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:2\"}]}}}}", V1Patch.PatchType.StrategicMergePatch), "p", "default");
        Assert.Equal(["a:2", "b:1"], smp.Spec.Template.Spec.Containers.Select(c => c.Image));

        // Merge patch (RFC 7386): lists are replaced.
        var merge = await Client.PatchNamespacedDeploymentAsync(new V1Patch("{\"spec\":{\"replicas\":4}}", V1Patch.PatchType.MergePatch), "p", "default");
        Assert.Equal(4, merge.Spec.Replicas);

        var json = await Client.PatchNamespacedDeploymentAsync(new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]", V1Patch.PatchType.JsonPatch), "p", "default");
        Assert.Equal(1, json.Spec.Replicas);
        Assert.Equal(4, json.Metadata.Generation); // three spec changes after create

        using var request = new HttpRequestMessage(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/p") { Content = new StringContent("{}", Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");
        using var response = await Http.SendAsync(request);
        Assert.Equal((HttpStatusCode)422, response.StatusCode); // an apply patch without fieldManager (ValidatePatchOptions)
    }
}
