using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>The standalone emulator driven by the real kubectl: create (protobuf bodies), apply CRD and CR, server-side apply, printer columns, wait, explain, a CEL rejection, delete.</summary>
public sealed class KubectlTests
{
    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, Dictionary<string, string> env, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The standalone emulator (KubeEmulator.dll) on a free port, and a kubeconfig for kubectl pointing at it.</summary>
    private sealed class Standalone : IAsyncDisposable
    {
        private readonly Process _server;
        private readonly DirectoryInfo _dir;

        private Standalone(string kubectl, Process server, DirectoryInfo dir, Dictionary<string, string> env)
        {
            Kubectl = kubectl;
            _server = server;
            _dir = dir;
            Env = env;
        }

        public string Kubectl { get; }

        public Dictionary<string, string> Env { get; }

        public string Dir => _dir.FullName;

        public static async Task<Standalone> StartAsync(string kubectl, CancellationToken ct)
        {
            var port = Ports.FreeTcpPort();
            var dir = Directory.CreateTempSubdirectory("kubeemu-");
            var kubeconfig = Path.Combine(dir.FullName, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, $"apiVersion: v1\nkind: Config\nclusters:\n- name: e\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\nusers:\n- name: e\n  user: {{token: x}}\ncontexts:\n- name: e\n  context: {{cluster: e, user: e, namespace: default}}\ncurrent-context: e\n", ct);
            var env = new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["KUBECACHEDIR"] = Path.Combine(dir.FullName, "cache"), ["HOME"] = dir.FullName };
            var info = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "KubeEmulator.dll")) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["KUBE_EMULATOR_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var standalone = new Standalone(kubectl, Process.Start(info)!, dir, env);
            (int Code, string Output) result = (1, "");
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                result = await standalone.RunAsync(["get", "ns"], ct);
                if (result.Code == 0)
                {
                    return standalone;
                }

                await Task.Delay(200, ct);
            }

            await standalone.DisposeAsync();
            throw new TimeoutException("the standalone emulator did not answer kubectl get ns: " + result.Output);
        }

        public Task<(int Code, string Output)> RunAsync(string[] args, CancellationToken ct) => KubectlTests.RunAsync(Kubectl, args, Env, ct);

        public async ValueTask DisposeAsync()
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync(CancellationToken.None);
            _server.Dispose();
            _dir.Delete(recursive: true);
        }
    }

    /// <summary>Runs kubectl until <paramref name="done"/> holds for its output, or the deadline passes; returns the last run.</summary>
    private static async Task<(int Code, string Output)> RunUntilAsync(Standalone emulator, string[] args, Func<string, bool> done, TimeSpan timeout, CancellationToken ct) =>
        await Poll.UntilAsync(() => emulator.RunAsync(args, ct), r => r.Code == 0 && done(r.Output), timeout);

    [SkippableFact]
    public async Task Kubectl_apply_get_wait_patch_delete_against_the_standalone_emulator()
    {
        var kubectl = Processes.Find("kubectl");
        Skip.If(kubectl is null, "kubectl is not on PATH");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var emulator = await Standalone.StartAsync(kubectl!, cts.Token);
        var env = emulator.Env;
        var dir = new DirectoryInfo(emulator.Dir);
        var data = Path.Combine(AppContext.BaseDirectory, "testdata");
        var result = await emulator.RunAsync(["get", "ns"], cts.Token);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("kube-system", result.Output, StringComparison.Ordinal);

        // kubectl create sends protobuf (k8s\0 + runtime.Unknown); the emulator decodes these kinds.
        foreach (var create in new[]
        {
            "create namespace proto-ns",
            "create secret generic s --from-literal=a=b",
            "create secret docker-registry regcred --docker-server=r.example.com --docker-username=u --docker-password=p",
            "create configmap c --from-literal=k=v",
            "create serviceaccount sa",
        })
        {
            result = await RunAsync(kubectl!, create.Split(' '), env, cts.Token);
            Assert.True(result.Code == 0, $"{create}: {result.Output}");
        }

        result = await RunAsync(kubectl!, ["get", "ns", "proto-ns", "-o", "jsonpath={.metadata.name}"], env, cts.Token);
        Assert.Equal("proto-ns", result.Output);
        result = await RunAsync(kubectl!, ["get", "secret", "s", "-o", "jsonpath={.type}/{.data.a}"], env, cts.Token);
        Assert.Equal("Opaque/" + Convert.ToBase64String("b"u8), result.Output);
        result = await RunAsync(kubectl!, ["get", "secret", "regcred", "-o", "jsonpath={.type}"], env, cts.Token);
        Assert.Equal("kubernetes.io/dockerconfigjson", result.Output);
        result = await RunAsync(kubectl!, ["get", "configmap", "c", "-o", "jsonpath={.data.k}"], env, cts.Token);
        Assert.Equal("v", result.Output);
        result = await RunAsync(kubectl!, ["get", "serviceaccount", "sa", "-o", "jsonpath={.metadata.namespace}/{.metadata.name}"], env, cts.Token);
        Assert.Equal("default/sa", result.Output);

        result = await RunAsync(kubectl!, $"apply -f {data}/widgets-crd.yaml".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        // "Field validation": kubectl sends fieldValidation=Strict, so the unknown field is refused; with
        // --validate=warn the object is stored pruned and the server's Warning header is printed.
        result = await RunAsync(kubectl!, $"apply -f {data}/widget.yaml".Split(' '), env, cts.Token);
        Assert.NotEqual(0, result.Code);
        Assert.Contains("strict decoding error: unknown field \"spec.unknownField\"", result.Output, StringComparison.Ordinal);
        result = await RunAsync(kubectl!, $"apply --validate=warn -f {data}/widget.yaml".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("Warning: unknown field \"spec.unknownField\"", result.Output, StringComparison.Ordinal);

        result = await RunAsync(kubectl!, "get widgets".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        Assert.Matches(@"NAME\s+SIZE\s+READY\s+AGE", result.Output);
        Assert.Matches(@"w1\s+2\s", result.Output);

        var wait = RunAsync(kubectl!, "wait --for=condition=Ready widget/w1 --timeout=20s".Split(' '), env, cts.Token);
        result = await RunAsync(kubectl!, ["patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"Done\",\"message\":\"ok\"}]}}"], env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        result = await wait;
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("condition met", result.Output, StringComparison.Ordinal);

        result = await RunAsync(kubectl!, ["patch", "widget", "w1", "--type=merge", "-p", "{\"spec\":{\"size\":11}}"], env, cts.Token);
        Assert.NotEqual(0, result.Code);
        Assert.Contains("spec.size", result.Output, StringComparison.Ordinal);

        // "Server-Side Apply": kubectl apply --server-side sends an apply patch as field manager "kubectl"; another
        // manager changing its field is a conflict until it forces.
        var mine = Path.Combine(dir.FullName, "ssa.yaml");
        var theirs = Path.Combine(dir.FullName, "ssa-other.yaml");
        await File.WriteAllTextAsync(mine, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {mode: fast}\n", cts.Token);
        await File.WriteAllTextAsync(theirs, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {mode: slow}\n", cts.Token);
        result = await RunAsync(kubectl!, ["apply", "--server-side", "-f", mine], env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("configmap/ssa serverside-applied", result.Output, StringComparison.Ordinal);
        result = await RunAsync(kubectl!, ["apply", "--server-side", "--field-manager=other", "-f", theirs], env, cts.Token);
        Assert.NotEqual(0, result.Code);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl\": .data.mode", result.Output, StringComparison.Ordinal);
        result = await RunAsync(kubectl!, ["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", theirs], env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        result = await RunAsync(kubectl!, ["get", "configmap", "ssa", "-o", "jsonpath={.data.mode} {.metadata.managedFields[*].manager}"], env, cts.Token);
        Assert.Equal("slow other", result.Output);

        // OpenAPI v3 for CRDs: explain finds the field's description; a CEL rule refuses with its message.
        result = await RunAsync(kubectl!, $"apply -f {data}/shopinstances-crd.yaml".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        result = await RunAsync(kubectl!, "explain shopinstance.spec.image".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("FIELD: image <string>", result.Output, StringComparison.Ordinal);
        Assert.Contains("The shop image by digest", result.Output, StringComparison.Ordinal);
        result = await RunAsync(kubectl!, $"apply -f {data}/shop-two-databases.yaml".Split(' '), env, cts.Token);
        Assert.NotEqual(0, result.Code);
        Assert.Contains("spec.database: Invalid value: \"object\": set exactly one of connectionSecretRef and provision", result.Output, StringComparison.Ordinal);

        result = await RunAsync(kubectl!, $"delete -f {data}/widget.yaml".Split(' '), env, cts.Token);
        Assert.True(result.Code == 0, result.Output);
        result = await RunAsync(kubectl!, "get widgets".Split(' '), env, cts.Token);
        Assert.Contains("No resources found", result.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Kubectl_create_deployment_service_and_roles_EndpointSlices_and_a_Deployment_waiting_on_a_missing_Secret()
    {
        var kubectl = Processes.Find("kubectl");
        Skip.If(kubectl is null, "kubectl is not on PATH");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = cts.Token;
        await using var emulator = await Standalone.StartAsync(kubectl!, ct);

        // kubectl create deployment|service send protobuf bodies (apps/v1 Deployment, v1 Service) and read protobuf answers.
        var result = await emulator.RunAsync(["create", "deployment", "web", "--image=img:1", "--port=8080", "--replicas=2"], ct);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("deployment.apps/web created", result.Output, StringComparison.Ordinal);
        result = await emulator.RunAsync(["create", "service", "clusterip", "web", "--tcp=80:8080"], ct);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("service/web created", result.Output, StringComparison.Ordinal);
        result = await emulator.RunAsync(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.replicas} {.spec.template.spec.containers[0].ports[0].containerPort}"], ct);
        Assert.Equal("img:1 2 8080", result.Output);
        result = await emulator.RunAsync(["get", "service", "web", "-o", "jsonpath={.spec.selector.app} {.spec.ports[0].port} {.spec.ports[0].targetPort}"], ct);
        Assert.Equal("web 80 8080", result.Output);

        // RBAC kinds are decoded too; a kind the emulator has no protobuf for gets upstream's 415 message.
        result = await emulator.RunAsync(["create", "role", "reader", "--verb=get,list", "--resource=pods"], ct);
        Assert.True(result.Code == 0, result.Output);
        result = await emulator.RunAsync(["create", "rolebinding", "reader", "--role=reader", "--serviceaccount=default:default"], ct);
        Assert.True(result.Code == 0, result.Output);
        result = await emulator.RunAsync(["get", "rolebinding", "reader", "-o", "jsonpath={.roleRef.name} {.subjects[0].kind}"], ct);
        Assert.Equal("reader ServiceAccount", result.Output);
        result = await emulator.RunAsync(["create", "ingress", "web", "--rule=shop.example.com/=web:80"], ct);
        Assert.NotEqual(0, result.Code);
        Assert.Contains("the body of the request was in an unknown format - accepted media types include: application/json", result.Output, StringComparison.Ordinal);

        // "EndpointSlices": the slice of the Service lists its ready pods' addresses and the target port.
        const string endpoints = @"web-\w+\s+IPv4\s+8080\s+10\.\d+\.\d+\.\d+,10\.\d+\.\d+\.\d+\s";
        result = await RunUntilAsync(emulator, ["get", "endpointslices", "-l", "kubernetes.io/service-name=web"], o => Regex.IsMatch(o, endpoints), TimeSpan.FromSeconds(30), ct);
        Assert.Matches(@"NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE", result.Output);
        Assert.Matches(endpoints, result.Output);

        // A pod whose env references a missing Secret waits with CreateContainerConfigError (kubelet); the Deployment
        // becomes Available once the Secret exists, without a new generation.
        var manifest = Path.Combine(emulator.Dir, "needs-secret.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: needs-secret}
            spec:
              replicas: 1
              selector: {matchLabels: {app: needs-secret}}
              template:
                metadata: {labels: {app: needs-secret}}
                spec:
                  containers:
                  - name: app
                    image: img:1
                    env:
                    - name: PASSWORD
                      valueFrom: {secretKeyRef: {name: db, key: password}}
            """, ct);
        result = await emulator.RunAsync(["apply", "-f", manifest], ct);
        Assert.True(result.Code == 0, result.Output);
        result = await RunUntilAsync(emulator, ["get", "pods", "-l", "app=needs-secret"], o => o.Contains("CreateContainerConfigError", StringComparison.Ordinal), TimeSpan.FromSeconds(30), ct);
        Assert.Matches(@"needs-secret-\S+\s+0/1\s+CreateContainerConfigError\s+0\s", result.Output);
        result = await emulator.RunAsync(["get", "deployment", "needs-secret", "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].status} {.metadata.generation}"], ct);
        Assert.Equal("False 1", result.Output);

        result = await emulator.RunAsync(["create", "secret", "generic", "db", "--from-literal=password=x"], ct);
        Assert.True(result.Code == 0, result.Output);
        result = await emulator.RunAsync(["wait", "--for=condition=Available", "deployment/needs-secret", "--timeout=30s"], ct);
        Assert.True(result.Code == 0, result.Output);
        Assert.Contains("condition met", result.Output, StringComparison.Ordinal);
        result = await emulator.RunAsync(["get", "pods", "-l", "app=needs-secret"], ct);
        Assert.Matches(@"needs-secret-\S+\s+1/1\s+Running\s+0\s", result.Output);
        result = await emulator.RunAsync(["get", "deployment", "needs-secret", "-o", "jsonpath={.metadata.generation}"], ct);
        Assert.Equal("1", result.Output);
    }
}
