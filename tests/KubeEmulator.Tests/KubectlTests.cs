using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>The standalone emulator driven by the real kubectl: create (protobuf bodies), apply CRD and CR, server-side apply, printer columns, wait, explain, a CEL rejection, delete.</summary>
public sealed class KubectlTests
{
    private static string? FindKubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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

    [SkippableFact]
    public async Task Kubectl_apply_get_wait_patch_delete_against_the_standalone_emulator()
    {
        var kubectl = FindKubectl();
        Skip.If(kubectl is null, "kubectl is not on PATH");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("kubeemu-");
        var kubeconfig = Path.Combine(dir.FullName, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"apiVersion: v1\nkind: Config\nclusters:\n- name: e\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\nusers:\n- name: e\n  user: {{token: x}}\ncontexts:\n- name: e\n  context: {{cluster: e, user: e, namespace: default}}\ncurrent-context: e\n", cts.Token);
        var env = new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["KUBECACHEDIR"] = Path.Combine(dir.FullName, "cache"), ["HOME"] = dir.FullName };
        var info = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "KubeEmulator.dll")) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KUBE_EMULATOR_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var server = Process.Start(info)!;
        try
        {
            var data = Path.Combine(AppContext.BaseDirectory, "testdata");
            (int Code, string Output) result = (1, "");
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                result = await RunAsync(kubectl!, "get ns".Split(' '), env, cts.Token);
                if (result.Code == 0)
                {
                    break;
                }

                await Task.Delay(200, cts.Token);
            }

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
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
            dir.Delete(recursive: true);
        }
    }
}
