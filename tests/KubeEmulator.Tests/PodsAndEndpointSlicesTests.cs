using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// Pods that follow their inputs: the deployment controller's ReplicaSets ("Deployments", pod-template-hash), the
/// kubelet's container states (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables; "Debug Pods":
/// CreateContainerConfigError, ErrImagePull/ImagePullBackOff, CrashLoopBackOff, OOMKilled), the endpointslice
/// controller ("EndpointSlices") and pods/log.
/// </summary>
public sealed class PodsAndEndpointSlicesTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromMilliseconds(50) })
{
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private const string Pods = "/api/v1/namespaces/default/pods";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static JsonObject Deployment(string name, int replicas, params JsonObject[] containers) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray([.. containers]) },
            },
        },
    };

    private static JsonObject Container(string image, JsonArray? env = null, JsonArray? ports = null)
    {
        var c = new JsonObject { ["name"] = "app", ["image"] = image };
        if (env is not null)
        {
            c["env"] = env;
        }

        if (ports is not null)
        {
            c["ports"] = ports;
        }

        return c;
    }

    private static JsonObject SecretEnv(string name, string secret, string key, bool optional = false)
    {
        var reference = new JsonObject { ["name"] = secret, ["key"] = key };
        if (optional)
        {
            reference["optional"] = true;
        }

        return new JsonObject { ["name"] = name, ["valueFrom"] = new JsonObject { ["secretKeyRef"] = reference } };
    }

    private Task<JsonObject> CreateSecretAsync(string name, JsonObject data) =>
        Api.OkAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["data"] = data,
        });

    private Task SetFaultsAsync(string key, string image) =>
        Api.OkAsync(HttpMethod.Post, "/api/v1/namespaces/kube-system/configmaps", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "emulator-faults" },
            ["data"] = new JsonObject { [key] = image },
        });

    private async Task<List<JsonObject>> PodsOfAsync(string app) => await Api.ItemsAsync($"{Pods}?labelSelector=app%3D{app}");

    private static JsonObject? ContainerStatus(JsonObject pod) => (pod["status"]?["containerStatuses"] as JsonArray)?[0] as JsonObject;

    private static string? Waiting(JsonObject pod) => ContainerStatus(pod)?["state"]?["waiting"]?["reason"]?.GetValue<string>();

    private static string Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?["status"]?.GetValue<string>() ?? "";

    private async Task<List<JsonObject>> PodsUntilAsync(string app, Func<List<JsonObject>, bool> done) =>
        await Poll.UntilAsync(() => PodsOfAsync(app), done, Timeout);

    [Theory]
    [InlineData("seed-255992")] // its FNV-1a hash is 6495: four digits
    [InlineData("4f0c1a9e-2b7d-4c51-9a3e-0d8b6f2e7c14")]
    public void Generated_names_end_in_five_characters_of_the_generateName_alphabet_even_when_the_hash_is_short(string seed)
    {
        // names.SimpleNameGenerator: generateName + rand.String(5) over "bcdfghjklmnpqrstvwxz2456789". A pod's or an
        // EndpointSlice's name took the first five of the hash's digits, and a hash below 10,000 failed the write.
        var suffix = ApiStore.NameSuffix(seed);

        Assert.Equal(5, suffix.Length);
        Assert.All(suffix, c => Assert.Contains(c, "bcdfghjklmnpqrstvwxz2456789"));
    }

    [Fact]
    public async Task Deployments_ReplicaSets_and_Pods_carry_pod_template_hash_and_controller_owner_references()
    {
        var deployment = await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("web", 2, Container("img:1", ports: [new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }])));

        var pods = await PodsUntilAsync("web", p => p.Count == 2 && p.TrueForAll(x => Condition(x, "Ready") == "True"));
        var replicaSets = await Api.ItemsAsync("/apis/apps/v1/namespaces/default/replicasets");

        var rs = Assert.Single(replicaSets);
        var hash = rs["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>();
        Assert.Equal($"web-{hash}", rs["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(hash, rs["spec"]!["selector"]!["matchLabels"]!["pod-template-hash"]!.GetValue<string>());
        var rsOwner = rs["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(("Deployment", deployment["metadata"]!["uid"]!.GetValue<string>(), true), (rsOwner["kind"]!.GetValue<string>(), rsOwner["uid"]!.GetValue<string>(), rsOwner["controller"]!.GetValue<bool>()));
        Assert.Equal(2, rs["status"]!["readyReplicas"]!.GetValue<int>());
        Assert.Equal("1", rs["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>());
        Assert.Equal(2, pods.Count);
        foreach (var pod in pods)
        {
            Assert.StartsWith($"web-{hash}-", pod["metadata"]!["name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(hash, pod["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>());
            Assert.Equal(rs["metadata"]!["uid"]!.GetValue<string>(), pod["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
            Assert.Equal("img:1", pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
            Assert.Equal("Running", pod["status"]!["phase"]!.GetValue<string>());
            Assert.Equal(["True", "True", "True"], new[] { Condition(pod, "Ready"), Condition(pod, "ContainersReady"), Condition(pod, "PodScheduled") });
            Assert.True(ContainerStatus(pod)!["ready"]!.GetValue<bool>());
            Assert.NotNull(ContainerStatus(pod)!["state"]!["running"]);
            Assert.StartsWith("10.244.", pod["status"]!["podIP"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // Deleting the Deployment collects its ReplicaSet and, through it, its pods ("Garbage Collection").
        await Api.OkAsync(HttpMethod.Delete, $"{Deployments}/web");
        var left = await PodsUntilAsync("web", p => p.Count == 0);
        Assert.Empty(left);
        Assert.Empty(await Api.ItemsAsync("/apis/apps/v1/namespaces/default/replicasets"));
    }

    [Fact]
    public async Task Kubelet_A_missing_Secret_is_CreateContainerConfigError_and_the_Deployment_recovers_without_a_new_generation()
    {
        var created = await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("api", 2, Container("img:1", env: [SecretEnv("DB", "db", "url"), SecretEnv("OPT", "nope", "x", optional: true)])));

        var pods = await PodsUntilAsync("api", p => p.Count == 2 && p.TrueForAll(x => Waiting(x) == "CreateContainerConfigError"));
        Assert.All(pods, p => Assert.Equal("secret \"db\" not found", ContainerStatus(p)!["state"]!["waiting"]!["message"]!.GetValue<string>()));
        Assert.All(pods, p => Assert.Equal("False", Condition(p, "Ready")));
        Assert.All(pods, p => Assert.Equal("Pending", p["status"]!["phase"]!.GetValue<string>()));

        // The Secret without the key: the kubelet's message names the key.
        await CreateSecretAsync("db", new JsonObject { ["other"] = "eA==" });
        pods = await PodsUntilAsync("api", p => p.Count == 2 && p.TrueForAll(x => ContainerStatus(x)?["state"]?["waiting"]?["message"]?.GetValue<string>() == "couldn't find key url in Secret default/db"));
        Assert.All(pods, p => Assert.Equal("couldn't find key url in Secret default/db", ContainerStatus(p)!["state"]!["waiting"]!["message"]!.GetValue<string>()));
        var deployment = await Api.OkAsync(HttpMethod.Get, $"{Deployments}/api");
        Assert.Equal("False", Condition(deployment, "Available"));

        // The key appears: the pods start, the Deployment becomes Available, its generation unchanged.
        var secret = await Api.OkAsync(HttpMethod.Get, "/api/v1/namespaces/default/secrets/db");
        secret["data"]!["url"] = "cG9zdGdyZXM6Ly8=";
        await Api.OkAsync(HttpMethod.Put, "/api/v1/namespaces/default/secrets/db", secret);
        deployment = await Poll.UntilAsync(() => Api.OkAsync(HttpMethod.Get, $"{Deployments}/api"), d => Condition(d, "Available") == "True" && d["status"]?["availableReplicas"]?.GetValue<int>() == 2, Timeout);
        Assert.Equal("True", Condition(deployment, "Available"));
        Assert.Equal(created["metadata"]!["generation"]!.GetValue<long>(), deployment["metadata"]!["generation"]!.GetValue<long>());
        Assert.All(await PodsOfAsync("api"), p => Assert.Equal("True", Condition(p, "Ready")));
    }

    [Fact]
    public async Task Kubelet_ConfigMap_references_envFrom_and_missing_volumes_wait_as_upstream()
    {
        var envFrom = Container("img:1");
        envFrom["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = "settings" } });
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("from", 1, envFrom));
        var keyRef = Container("img:1", env: [new JsonObject { ["name"] = "MODE", ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "mode", ["key"] = "value" } } }]);
        await Api.OkAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "mode" }, ["data"] = new JsonObject { ["other"] = "1" } });
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("keyref", 1, keyRef));
        var volume = Deployment("vol", 1, Container("img:1"));
        volume["spec"]!["template"]!["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "certs", ["secret"] = new JsonObject { ["secretName"] = "tls" } });
        await Api.OkAsync(HttpMethod.Post, Deployments, volume);

        var from = await PodsUntilAsync("from", p => p.Count == 1 && Waiting(p[0]) == "CreateContainerConfigError");
        var keyed = await PodsUntilAsync("keyref", p => p.Count == 1 && Waiting(p[0]) == "CreateContainerConfigError");
        var mounted = await PodsUntilAsync("vol", p => p.Count == 1 && Waiting(p[0]) == "ContainerCreating");

        Assert.Equal("configmap \"settings\" not found", ContainerStatus(from[0])!["state"]!["waiting"]!["message"]!.GetValue<string>());
        Assert.Equal("couldn't find key value in ConfigMap default/mode", ContainerStatus(keyed[0])!["state"]!["waiting"]!["message"]!.GetValue<string>());

        // A missing secret volume keeps the pod ContainerCreating (MountVolume.SetUp failed), no sandbox, no IP.
        Assert.Null(mounted[0]["status"]!["podIP"]);
        Assert.Equal("False", Condition(mounted[0], "PodReadyToStartContainers"));
    }

    /// <summary>
    /// The waiting reasons the pods of <paramref name="app"/> go through, read from a watch opened before
    /// <paramref name="start"/> creates them: every stored status is a watch event, so a state held for one controller
    /// step is seen however short it is. Ends once <paramref name="until"/> was seen (or at the timeout).
    /// </summary>
    private async Task<List<string>> WatchWaitingReasonsAsync(string app, Func<Task> start, string until)
    {
        using var http = new HttpClient { BaseAddress = Emulator.BaseUri };
        using var cts = new CancellationTokenSource(Timeout);
        var list = await Api.OkAsync(HttpMethod.Get, $"{Pods}?labelSelector=app%3D{app}");
        var watch = $"{Pods}?watch=1&labelSelector=app%3D{app}&resourceVersion={list["metadata"]!["resourceVersion"]}";
        using var response = await http.GetAsync(new Uri(watch, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        await start();
        var seen = new List<string>();
        try
        {
            while (!seen.Contains(until) && await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (JsonNode.Parse(line)?["object"] is JsonObject pod && Waiting(pod) is { } reason && (seen.Count == 0 || seen[^1] != reason))
                {
                    seen.Add(reason);
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // The timeout: the caller asserts on what was seen.
        }

        return seen;
    }

    [Fact]
    public async Task Kubelet_A_failing_image_is_ErrImagePull_then_ImagePullBackOff()
    {
        await SetFaultsAsync("failingImages", "bad:1");

        var seen = await WatchWaitingReasonsAsync("pull", () => Api.OkAsync(HttpMethod.Post, Deployments, Deployment("pull", 1, Container("bad:1"))), "ImagePullBackOff");

        // The kubelet's order: the pull fails (ErrImagePull), then it backs off (ImagePullBackOff).
        var pulled = seen.IndexOf("ErrImagePull");
        Assert.True(pulled >= 0 && pulled < seen.IndexOf("ImagePullBackOff"), string.Join(", ", seen));
        var pods = await PodsOfAsync("pull");
        Assert.Equal("Back-off pulling image \"bad:1\"", ContainerStatus(Assert.Single(pods))!["state"]!["waiting"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("crashingImages", "Error", 1)]
    [InlineData("oomImages", "OOMKilled", 137)]
    public async Task Kubelet_Crashing_and_OOM_images_are_CrashLoopBackOff_with_rising_restarts_and_lastState_terminated(string faultKey, string reason, int exitCode)
    {
        await SetFaultsAsync(faultKey, "crash:1");
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("crash", 1, Container("crash:1")));

        var first = await PodsUntilAsync("crash", p => p.Count == 1 && Waiting(p[0]) == "CrashLoopBackOff");
        var restarts = ContainerStatus(first[0])!["restartCount"]!.GetValue<int>();
        var later = await PodsUntilAsync("crash", p => p.Count == 1 && ContainerStatus(p[0])!["restartCount"]!.GetValue<int>() > restarts);

        var status = ContainerStatus(later[0])!;
        Assert.True(status["restartCount"]!.GetValue<int>() > restarts);
        Assert.Equal("CrashLoopBackOff", status["state"]!["waiting"]!["reason"]!.GetValue<string>());
        Assert.Equal(reason, status["lastState"]!["terminated"]!["reason"]!.GetValue<string>());
        Assert.Equal(exitCode, status["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>());
        Assert.Equal("Running", later[0]["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("False", Condition(later[0], "Ready"));

        // pods/log?previous=true shows the run that ended.
        var (code, log) = await Api.SendTextAsync(HttpMethod.Get, $"{Pods}/{later[0]["metadata"]!["name"]}/log?previous=true");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Contains("starting crash:1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointSlices_follow_the_ready_pods_each_Service_selects()
    {
        await Api.OkAsync(HttpMethod.Post, "/api/v1/namespaces/default/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["app"] = "web" },
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http" }),
            },
        });
        const string slices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb";
        var empty = Assert.Single(await Api.ItemsAsync(slices));
        Assert.Null(empty["endpoints"]);

        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("web", 2, Container("img:1", ports: [new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }])));
        var slice = (await Poll.UntilAsync(() => Api.ItemsAsync(slices), s => s.Count == 1 && (s[0]["endpoints"] as JsonArray)?.Count == 2
            && s[0]["endpoints"]!.AsArray().All(e => e!["conditions"]!["ready"]!.GetValue<bool>()), Timeout))[0];

        Assert.Equal("IPv4", slice["addressType"]!.GetValue<string>());
        Assert.Equal("Service", slice["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal(8080, slice["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal("http", slice["ports"]![0]!["name"]!.GetValue<string>());
        var pods = await PodsOfAsync("web");
        Assert.Equal(
            pods.Select(p => (p["metadata"]!["name"]!.GetValue<string>(), p["status"]!["podIP"]!.GetValue<string>())).OrderBy(p => p.Item1),
            slice["endpoints"]!.AsArray().Select(e => (e!["targetRef"]!["name"]!.GetValue<string>(), e["addresses"]![0]!.GetValue<string>())).OrderBy(p => p.Item1));

        // Scaled to zero, the slice has no endpoints left.
        var deployment = await Api.OkAsync(HttpMethod.Get, $"{Deployments}/web");
        deployment["spec"]!["replicas"] = 0;
        await Api.OkAsync(HttpMethod.Put, $"{Deployments}/web", deployment);
        var after = await Poll.UntilAsync(() => Api.ItemsAsync(slices), s => s.Count == 1 && s[0]["endpoints"] is null, Timeout);
        Assert.Null(after[0]["endpoints"]);
    }

    [Fact]
    public async Task EndpointSlices_A_pod_change_reaches_every_Service_selecting_it_also_after_a_selector_changes()
    {
        // The endpointslice controller syncs every Service whose selector matches the changed pod (its pod handler
        // looks the Services up by the pod's labels); a Service whose selector changed follows its new selector.
        async Task ServiceAsync(string name, JsonObject selector) =>
            await Api.OkAsync(HttpMethod.Post, "/api/v1/namespaces/default/services", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["selector"] = selector, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["targetPort"] = 8080 }) },
            });
        async Task EndpointsUntilAsync(int a, int b, int c)
        {
            var items = await Poll.UntilAsync(
                () => Api.ItemsAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"),
                s => Counts(s) is var n && n.GetValueOrDefault("a") == a && n.GetValueOrDefault("b") == b && n.GetValueOrDefault("c") == c,
                Timeout);
            var counts = Counts(items);
            Assert.Equal((a, b, c), (counts.GetValueOrDefault("a"), counts.GetValueOrDefault("b"), counts.GetValueOrDefault("c")));
        }

        static Dictionary<string, int> Counts(List<JsonObject> slices) => slices.ToDictionary(
            s => s["metadata"]!["labels"]!["kubernetes.io/service-name"]!.GetValue<string>(),
            s => (s["endpoints"] as JsonArray)?.Count(e => e!["conditions"]!["ready"]!.GetValue<bool>()) ?? 0);

        await ServiceAsync("a", new JsonObject { ["app"] = "multi", ["tier"] = "web" });
        await ServiceAsync("b", new JsonObject { ["tier"] = "web" });
        await ServiceAsync("c", new JsonObject { ["app"] = "other" });
        var deployment = Deployment("multi", 1, Container("img:1"));
        deployment["spec"]!["template"]!["metadata"]!["labels"]!["tier"] = "web";
        await Api.OkAsync(HttpMethod.Post, Deployments, deployment);
        await EndpointsUntilAsync(a: 1, b: 1, c: 0);

        var c = await Api.OkAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/c");
        c["spec"]!["selector"] = new JsonObject { ["tier"] = "web" };
        await Api.OkAsync(HttpMethod.Put, "/api/v1/namespaces/default/services/c", c);
        var a = await Api.OkAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/a");
        a["spec"]!["selector"] = new JsonObject { ["zone"] = "none" };
        await Api.OkAsync(HttpMethod.Put, "/api/v1/namespaces/default/services/a", a);
        await EndpointsUntilAsync(a: 0, b: 1, c: 1);

        var scaled = await Api.OkAsync(HttpMethod.Get, $"{Deployments}/multi");
        scaled["spec"]!["replicas"] = 2;
        await Api.OkAsync(HttpMethod.Put, $"{Deployments}/multi", scaled);
        await EndpointsUntilAsync(a: 0, b: 2, c: 2);
    }

    [Fact]
    public async Task EndpointSlices_A_Services_targetPort_switches_between_name_and_number_by_PUT_merge_strategic_and_apply()
    {
        // ServiceSpec.ports[].targetPort is an IntOrString: every write may turn a name into a number and back, and
        // the endpointslice controller then resolves the new target against the pods (a regression: the slice's
        // recomputation re-parented a JSON node and the write answered 400 "node already has a parent").
        const string services = "/api/v1/namespaces/default/services";
        const string slices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb";
        static JsonObject Service(JsonNode target) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["app"] = "web" },
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["targetPort"] = target }),
            },
        };

        await Api.OkAsync(HttpMethod.Post, services, Service("http"));
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("web", 2, Container("img:1", ports: [new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }])));
        async Task ExpectAsync(string write, JsonObject written, string target, int slicePort)
        {
            var stored = await Api.OkAsync(HttpMethod.Get, $"{services}/web");
            var slice = await Poll.UntilAsync(() => Api.ItemsAsync(slices), s => s.Count == 1 && (s[0]["endpoints"] as JsonArray)?.Count == 2 && s[0]["ports"]?[0]?["port"]?.GetValue<int>() == slicePort, Timeout);
            var seen = (Written: written["spec"]!["ports"]![0]!["targetPort"]!.ToJsonString(), Stored: stored["spec"]!["ports"]![0]!["targetPort"]!.ToJsonString(), Slice: slice[0]["ports"]?[0]?["port"]?.GetValue<int>());
            Assert.True(seen == (target, target, slicePort), $"{write} to {target}: {seen}");
        }

        await ExpectAsync("create", await Api.OkAsync(HttpMethod.Get, $"{services}/web"), "\"http\"", 8080);

        // Each kind of write, name → number and back.
        const string apply = $"{services}/web?fieldManager=tool&force=true";
        var writes = new (string Kind, Func<JsonNode, Task<JsonObject>> Write)[]
        {
            ("PUT", async target =>
            {
                var current = await Api.OkAsync(HttpMethod.Get, $"{services}/web");
                current["spec"]!["ports"]![0]!["targetPort"] = target;
                return await Api.OkAsync(HttpMethod.Put, $"{services}/web", current);
            }),
            ("merge patch (replaces the list)", target => Api.OkAsync(HttpMethod.Patch, $"{services}/web",
                new JsonObject { ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["protocol"] = "TCP", ["targetPort"] = target }) } },
                "application/merge-patch+json")),
            ("strategic merge patch (ports by port)", target => Api.OkAsync(HttpMethod.Patch, $"{services}/web",
                new JsonObject { ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["targetPort"] = target }) } },
                "application/strategic-merge-patch+json")),

            // Forced: the field belongs to the writers before.
            ("server-side apply", target => Api.OkAsync(HttpMethod.Patch, apply, Service(target), "application/apply-patch+yaml")),
        };
        var number = 9090;
        foreach (var (kind, write) in writes)
        {
            number++;
            await ExpectAsync(kind, await write(number), number.ToString(System.Globalization.CultureInfo.InvariantCulture), number);
            await ExpectAsync(kind, await write("http"), "\"http\"", 8080);
        }
    }

    [Fact]
    public async Task PodsLog_returns_lines_with_container_tailLines_and_previous_as_the_API_server_answers()
    {
        var two = Deployment("logs", 1, Container("img:1"), new JsonObject { ["name"] = "side", ["image"] = "side:1" });
        await Api.OkAsync(HttpMethod.Post, Deployments, two);
        var pod = (await PodsUntilAsync("logs", p => p.Count == 1 && Condition(p[0], "Ready") == "True"))[0];
        var log = $"{Pods}/{pod["metadata"]!["name"]}/log";

        var (ambiguous, ambiguousBody) = await Api.SendAsync(HttpMethod.Get, log);
        var (ok, text) = await Api.SendTextAsync(HttpMethod.Get, $"{log}?container=app");
        var (_, tail) = await Api.SendTextAsync(HttpMethod.Get, $"{log}?container=app&tailLines=1");
        var (previous, previousBody) = await Api.SendAsync(HttpMethod.Get, $"{log}?container=app&previous=true");
        var (unknown, _) = await Api.SendAsync(HttpMethod.Get, $"{log}?container=nope");

        Assert.Equal(HttpStatusCode.BadRequest, ambiguous);
        Assert.Equal($"a container name must be specified for pod {pod["metadata"]!["name"]}, choose one of: [app side]", ambiguousBody["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, text);
        Assert.Contains("starting img:1", text, StringComparison.Ordinal);
        Assert.Single(tail.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(HttpStatusCode.BadRequest, previous);
        Assert.Equal("previous terminated container \"app\" in pod \"" + pod["metadata"]!["name"] + "\" not found", previousBody["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
    }

    [Fact]
    public async Task Discovery_lists_ReplicaSets_EndpointSlices_and_pods_log_and_pods_can_be_watched()
    {
        var core = await Api.OkAsync(HttpMethod.Get, "/api/v1");
        var apps = await Api.OkAsync(HttpMethod.Get, "/apis/apps/v1");
        var discovery = await Api.OkAsync(HttpMethod.Get, "/apis/discovery.k8s.io/v1");
        var rbac = await Api.OkAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1");
        static IEnumerable<string> Names(JsonObject list) => list["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>());

        Assert.Contains("pods/log", Names(core));
        Assert.Contains("pods/status", Names(core));
        Assert.Contains("replicasets", Names(apps));
        Assert.Contains("replicasets/status", Names(apps));
        Assert.Contains("endpointslices", Names(discovery));
        Assert.Equal(["roles", "rolebindings", "clusterroles", "clusterrolebindings"], Names(rbac));

        using var http = new HttpClient { BaseAddress = Emulator.BaseUri };
        using var cts = new CancellationTokenSource(Timeout);
        var list = await Api.OkAsync(HttpMethod.Get, Pods);
        using var response = await http.GetAsync(new Uri($"{Pods}?watch=1&resourceVersion={list["metadata"]!["resourceVersion"]}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment("watched", 1, Container("img:1")));
        var line = await reader.ReadLineAsync(cts.Token);
        var added = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        Assert.Equal("Pod", added["object"]!["kind"]!.GetValue<string>());
    }
}
