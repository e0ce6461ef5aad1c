using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ShopOperator.Kube;

namespace ShopOperator.Diagnose;

/// <summary>Looks up a host name; the real one asks the system resolver, tests give a table.</summary>
public delegate Task<IPAddress[]> HostResolver(string host, CancellationToken ct);

/// <summary>
/// Reads what diagnose looks at, with the user's credentials, and never writes: a handful of namespaced lists
/// selected by the shop's labels, the Secrets it references (key names only; values are dropped on arrival), and
/// the last lines of failing containers' logs. What the user may not read is left out and said so, not fatal.
/// </summary>
public sealed class SnapshotReader(KubeApi api, HostResolver resolve, TimeProvider time)
{
    private const int TailLines = 50;
    private static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    internal static readonly ResourceKind Pod = new("", "v1", "pods", "Pod");
    internal static readonly ResourceKind EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");
    internal static readonly ResourceKind IngressClass = new("networking.k8s.io", "v1", "ingressclasses", "IngressClass");
    internal static readonly ResourceKind Gateway = new("gateway.networking.k8s.io", "v1", "gateways", "Gateway");

    /// <summary>Null when the ShopInstance does not exist.</summary>
    public async Task<ClusterSnapshot?> ReadAsync(string ns, string name, TimeSpan since, bool probe, CancellationToken ct)
    {
        var shop = await GetOrNullAsync(ResourceKind.ShopInstance, ns, name, ct);
        if (shop is null)
        {
            return null;
        }

        var instance = "app.kubernetes.io/instance=" + name;
        var deployments = ListOrEmptyAsync(ResourceKind.Deployment, ns, instance, ct);
        var pods = ListOrEmptyAsync(Pod, ns, instance, ct);
        var services = ListOrEmptyAsync(ResourceKind.Service, ns, instance, ct);
        var slices = ListOrEmptyAsync(EndpointSlice, ns, $"kubernetes.io/service-name in ({name}-web,{name}-api)", ct);
        var ingresses = ListOrEmptyAsync(ResourceKind.Ingress, ns, instance, ct);
        var routes = ListOrEmptyAsync(ResourceKind.HttpRoute, ns, instance, ct);
        var policies = ListOrEmptyAsync(ResourceKind.NetworkPolicy, ns, instance, ct);
        var events = ListOrEmptyAsync(ResourceKind.Event, ns, null, ct);
        var classes = ReadClassesAsync(ct);

        var snapshot = new ClusterSnapshot
        {
            Shop = shop,
            Deployments = await deployments,
            Pods = await pods,
            Services = await services,
            EndpointSlices = await slices,
            Ingresses = [.. (await ingresses).Where(i => DiagnosisSteps.NameOf(i) == name)],
            HttpRoutes = [.. (await routes).Where(r => DiagnosisSteps.NameOf(r) == name)],
            NetworkPolicies = await policies,
            Events = await events,
            IngressClasses = await classes,
            Now = time.GetUtcNow(),
            Since = since,
        };

        var view = new ShopView(snapshot);
        var secretNames = new[] { view.DatabaseSecret?.Name, view.TlsSecretName }.OfType<string>().Distinct(StringComparer.Ordinal);
        var secrets = new Dictionary<string, SecretKeys>(StringComparer.Ordinal);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secretName in secretNames)
        {
            try
            {
                if (await GetOrNullAsync(ResourceKind.Secret, ns, secretName, ct) is { } secret)
                {
                    secrets[secretName] = new SecretKeys(secretName, ((secret["data"] as JsonObject)?.Select(p => p.Key) ?? []).ToHashSet(StringComparer.Ordinal));
                }
            }
            catch (KubeApiException e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                unreadable.Add(secretName);
            }
        }

        var gateways = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var unreadableGateways = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in view.ParentRefs)
        {
            var (gatewayNamespace, gatewayName) = DiagnosisSteps.SplitReference(reference);
            try
            {
                if (await GetOrNullAsync(Gateway, gatewayNamespace, gatewayName, ct) is { } gateway)
                {
                    gateways[reference] = gateway;
                }
            }
            catch (KubeApiException e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                unreadableGateways.Add(reference);
            }
        }

        snapshot = snapshot with { Gateways = gateways, UnreadableGateways = unreadableGateways };
        view = new ShopView(snapshot);
        var lbHost = view.LoadBalancerAddresses().Select(a => a.Hostname).FirstOrDefault(h => h is not null);
        return snapshot with
        {
            Secrets = secrets,
            UnreadableSecrets = unreadable,
            Logs = await ReadLogsAsync(ns, snapshot.Pods, ct),
            Dns = view.Host is null ? null : await ResolveAsync(view.Host, ct),
            LoadBalancerDns = lbHost is null ? null : await ResolveAsync(lbHost, ct),
            Probes = probe ? await ProbeAsync(view, ct) : null,
        };
    }

    private async Task<IReadOnlyList<ContainerLog>> ReadLogsAsync(string ns, IReadOnlyList<JsonObject> pods, CancellationToken ct)
    {
        var logs = new List<ContainerLog>();
        foreach (var pod in pods)
        {
            foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var ready = status["ready"] is JsonValue v && v.GetValue<bool>();
                var restarts = DiagnosisSteps.JsonInt(status["restartCount"]) ?? 0;
                var running = status["state"]?["running"] is not null;
                if (ready || (!running && restarts == 0))
                {
                    continue; // healthy, or never started: there is no log to read
                }

                var previous = !running;
                var container = (string?)status["name"] ?? "";
                var path = Pod.Path(ns, DiagnosisSteps.NameOf(pod), "log")
                    + $"?container={Uri.EscapeDataString(container)}&tailLines={TailLines}" + (previous ? "&previous=true" : "");
                try
                {
                    var text = await api.GetTextAsync(path, ct);
                    var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Redaction.Redact).ToList();
                    logs.Add(new ContainerLog(DiagnosisSteps.NameOf(pod), container, previous, lines));
                }
                catch (KubeApiException)
                {
                    // No pods/log permission, or the container is gone: the other steps still run.
                }
            }
        }

        return logs;
    }

    private async Task<DnsAnswer> ResolveAsync(string host, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DnsTimeout);
        try
        {
            var addresses = await resolve(host, timeout.Token);
            return new DnsAnswer(host, [.. addresses.Select(a => a.ToString())], null);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException && !ct.IsCancellationRequested)
        {
            return new DnsAnswer(host, [], e is OperationCanceledException ? "no answer in 3 s" : e.Message);
        }
    }

    private static async Task<IReadOnlyList<ProbeAnswer>> ProbeAsync(ShopView view, CancellationToken ct)
    {
        var answers = new List<ProbeAnswer>();
        foreach (var (ip, hostname) in view.LoadBalancerAddresses())
        {
            foreach (var port in new[] { 443, 80 })
            {
                var address = ip ?? hostname!;
                using var client = new TcpClient();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(ProbeTimeout);
                try
                {
                    await client.ConnectAsync(address, port, timeout.Token);
                    answers.Add(new ProbeAnswer(address, port, true, null));
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    answers.Add(new ProbeAnswer(address, port, false, e is OperationCanceledException ? "timed out" : e.Message));
                }
            }
        }

        return answers;
    }

    private async Task<IReadOnlySet<string>?> ReadClassesAsync(CancellationToken ct)
    {
        try
        {
            var list = await api.ListAsync(IngressClass, null, null, ct);
            return list.Items.Select(DiagnosisSteps.NameOf).ToHashSet(StringComparer.Ordinal);
        }
        catch (KubeApiException)
        {
            return null; // not readable (cluster-scoped): the class check is skipped
        }
    }

    private async Task<IReadOnlyList<JsonObject>> ListOrEmptyAsync(ResourceKind kind, string ns, string? selector, CancellationToken ct)
    {
        try
        {
            return (await api.ListAsync(kind, ns, selector, ct)).Items;
        }
        catch (KubeApiException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return [];
        }
    }

    private Task<JsonObject?> GetOrNullAsync(ResourceKind kind, string ns, string name, CancellationToken ct) => api.TryGetAsync(kind, ns, name, ct);
}
