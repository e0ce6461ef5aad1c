using System.Globalization;
using System.Text.Json.Nodes;
using ShopOperator.Model;

namespace ShopOperator.Diagnose;

/// <summary>
/// The seed's troubleshooting flow (section 9) as pure functions of a <see cref="ClusterSnapshot"/>: outside in,
/// from DNS to the database, then what changed. Each step names the objects, counts, reasons and fields it saw.
/// What the shop should look like comes from the same <see cref="DesiredState"/> the operator applies, so a
/// live Ingress or NetworkPolicy edited by hand is compared with what the operator would render.
/// </summary>
public static class DiagnosisSteps
{
    private const int LogLines = 5;

    public static Diagnosis Run(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var shop = new ShopView(snapshot);
        return new Diagnosis(
            $"{shop.Namespace}/{shop.Name}",
            [.. Run(shop, StepNames.InFlowOrder)]);
    }

    /// <summary>
    /// The named steps alone, in flow order, over a view the caller built (the reconciler's own status runs the
    /// steps its cache can feed: <see cref="ReadyDiagnosis.CachedSteps"/>).
    /// </summary>
    internal static IEnumerable<StepResult> Run(ShopView shop, IReadOnlyCollection<string> steps)
    {
        foreach (var name in StepNames.InFlowOrder.Where(steps.Contains))
        {
            yield return name switch
            {
                StepNames.Dns => Dns(shop),
                StepNames.LoadBalancer => LoadBalancer(shop),
                StepNames.IngressRoutes => IngressRoutes(shop),
                StepNames.ServiceEndpoints => ServiceEndpoints(shop),
                StepNames.PodsReady => PodsReady(shop),
                StepNames.AppLogs => AppLogs(shop),
                StepNames.Resources => Resources(shop),
                StepNames.Dependencies => Dependencies(shop),
                _ => RecentChanges(shop),
            };
        }
    }

    private static StepResult Dns(ShopView shop)
    {
        var answer = shop.Snapshot.Dns;
        if (shop.Host is null || answer is null)
        {
            return StepResult.Skip(StepNames.Dns, "the ShopInstance names no host");
        }

        if (answer.Error is not null || answer.Addresses.Count == 0)
        {
            return new StepResult(StepNames.Dns, StepStatus.Fail, $"{shop.Host} does not resolve from here: {answer.Error ?? "no address"}", [],
                shop.UsesGateway
                    ? "create the DNS record for spec.host pointing at the Gateway's address (kubectl get gateway -A)"
                    : "create the DNS record for spec.host pointing at the Ingress's load-balancer address (kubectl get ingress " + shop.Name + " -n " + shop.Namespace + ")");
        }

        var expected = shop.LoadBalancerAddresses().ToList();
        var resolved = answer.Addresses;
        var evidence = new List<string> { $"{shop.Host} → {string.Join(", ", resolved)}" };
        if (expected.Count == 0)
        {
            return new StepResult(StepNames.Dns, StepStatus.Pass, $"{shop.Host} resolves to {string.Join(", ", resolved)}", evidence);
        }

        var lbAddresses = expected.Where(a => a.Ip is not null).Select(a => a.Ip!).ToHashSet(StringComparer.Ordinal);
        if (shop.Snapshot.LoadBalancerDns is { Error: null } lbDns)
        {
            lbAddresses.UnionWith(lbDns.Addresses);
            evidence.Add($"{lbDns.Host} → {string.Join(", ", lbDns.Addresses)}");
        }

        if (lbAddresses.Count == 0 || resolved.Any(lbAddresses.Contains))
        {
            return new StepResult(StepNames.Dns, StepStatus.Pass, $"{shop.Host} resolves to the load balancer ({string.Join(", ", resolved)})", evidence);
        }

        return new StepResult(StepNames.Dns, StepStatus.Warn,
            $"{shop.Host} resolves to {string.Join(", ", resolved)}, not to the {(shop.UsesGateway ? "Gateway's address" : "Ingress's load balancer")} ({string.Join(", ", lbAddresses.Order(StringComparer.Ordinal))})", evidence,
            "point the DNS record at the load balancer (or wait for the old record's TTL)");
    }

    private static StepResult LoadBalancer(ShopView shop)
    {
        if (shop.UsesGateway)
        {
            return GatewayLoadBalancer(shop);
        }

        if (shop.Ingress is null)
        {
            return new StepResult(StepNames.LoadBalancer, StepStatus.Fail, $"Ingress {shop.Name} not found in {shop.Namespace}", [],
                $"kubectl describe shop {shop.Name} -n {shop.Namespace}: the operator reports why a child was not applied");
        }

        var addresses = shop.LoadBalancerAddresses().ToList();
        if (addresses.Count == 0)
        {
            return new StepResult(StepNames.LoadBalancer, StepStatus.Fail,
                $"Ingress {shop.Name} has no load-balancer address (status.loadBalancer.ingress is empty): no ingress controller has admitted it",
                [$"ingressClassName: {shop.IngressClassName ?? "(none)"}"],
                $"check the ingress controller for class {shop.IngressClassName ?? "(default)"} is running: kubectl get ingressclass; kubectl get pods -A -l app.kubernetes.io/component=controller");
        }

        var shown = string.Join(", ", addresses.Select(a => a.Ip ?? a.Hostname));
        if (shop.Snapshot.Probes is { } probes)
        {
            var failed = probes.Where(p => !p.Connected).ToList();
            var evidence = probes.Select(p => $"tcp {p.Address}:{p.Port.ToString(CultureInfo.InvariantCulture)} {(p.Connected ? "connected" : "failed: " + p.Error)}").ToArray();
            if (probes.Count > 0 && failed.Count == probes.Count)
            {
                return new StepResult(StepNames.LoadBalancer, StepStatus.Fail, $"the load balancer {shown} does not accept connections", evidence,
                    "check the load balancer's listeners and security groups / firewall for ports 80 and 443");
            }

            return new StepResult(StepNames.LoadBalancer, failed.Count == 0 ? StepStatus.Pass : StepStatus.Warn, $"Ingress {shop.Name} has address {shown}", evidence);
        }

        return StepResult.Pass(StepNames.LoadBalancer, $"Ingress {shop.Name} has address {shown} (no connection tried; --probe tries one)");
    }

    // A gateway shop enters through its Gateways: each must exist and have an address (status.addresses), which its
    // implementation writes once it has programmed the Gateway.
    private static StepResult GatewayLoadBalancer(ShopView shop)
    {
        var evidence = new List<string>();
        var problems = new List<string>();
        var unread = new List<string>();
        foreach (var reference in shop.ParentRefs)
        {
            if (shop.Snapshot.Gateways.GetValueOrDefault(reference) is not { } gateway)
            {
                if (shop.Snapshot.UnreadableGateways.Contains(reference))
                {
                    unread.Add(reference);
                }
                else
                {
                    problems.Add($"Gateway {reference} not found");
                }

                continue;
            }

            var addresses = (gateway["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>().Select(a => (string?)a["value"]).OfType<string>().ToList() ?? [];
            var programmed = Condition(gateway, "Programmed");
            evidence.Add($"Gateway {reference}: addresses {(addresses.Count == 0 ? "none" : string.Join(", ", addresses))}; Programmed={(string?)programmed?["status"] ?? "unknown"}");
            if (addresses.Count == 0)
            {
                problems.Add($"Gateway {reference} has no address (status.addresses is empty)" +
                    ((string?)programmed?["status"] == "False" ? $": Programmed=False {(string?)programmed?["reason"]}: {(string?)programmed?["message"]}" : ": its implementation has not programmed it"));
            }
        }

        if (problems.Count > 0)
        {
            var (gatewayNamespace, gatewayName) = SplitReference(shop.ParentRefs[0]);
            return new StepResult(StepNames.LoadBalancer, StepStatus.Fail, problems[0], [.. problems, .. evidence],
                $"check the Gateway and its implementation's controller: kubectl describe gateway {gatewayName} -n {gatewayNamespace}");
        }

        if (unread.Count > 0)
        {
            return new StepResult(StepNames.LoadBalancer, StepStatus.Warn,
                $"could not read Gateway {string.Join(", ", unread)} (no permission to get gateways, or the Gateway API is not served): its address is unknown", [.. evidence]);
        }

        var shown = string.Join(", ", shop.LoadBalancerAddresses().Select(a => a.Ip ?? a.Hostname));
        return new StepResult(StepNames.LoadBalancer, StepStatus.Pass, $"Gateway {string.Join(", ", shop.ParentRefs)} has address {shown} (no connection tried; --probe tries one)", [.. evidence]);
    }

    private static StepResult IngressRoutes(ShopView shop)
    {
        if (shop.UsesGateway)
        {
            return RouteRules(shop);
        }

        if (shop.Ingress is null || shop.Desired is null)
        {
            return StepResult.Skip(StepNames.IngressRoutes, shop.Ingress is null ? "no Ingress" : "the ShopInstance is invalid: " + shop.InvalidReason);
        }

        var problems = new List<string>();
        var desired = shop.DesiredOf("Ingress", shop.Name);
        var live = shop.Ingress;
        var rule = (live["spec"]?["rules"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(r => (string?)r["host"] == shop.Host);
        if (rule is null)
        {
            problems.Add($"no rule for host {shop.Host}");
        }
        else if (desired?["spec"]?["rules"]?[0]?["http"]?["paths"] is JsonArray wantedPaths)
        {
            var livePaths = (rule["http"]?["paths"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            foreach (var wanted in wantedPaths.OfType<JsonObject>())
            {
                var path = (string?)wanted["path"];
                var match = livePaths.FirstOrDefault(p => (string?)p["path"] == path);
                var wantService = (string?)wanted["backend"]?["service"]?["name"];
                var wantPort = PortOf(wanted["backend"]?["service"]?["port"]);
                if (match is null)
                {
                    problems.Add($"path {path} is missing (want service {wantService} port {wantPort})");
                    continue;
                }

                var service = (string?)match["backend"]?["service"]?["name"];
                var port = PortOf(match["backend"]?["service"]?["port"]);
                if (service != wantService || port != wantPort)
                {
                    problems.Add($"path {path} goes to service {service} port {port}, want {wantService} port {wantPort}");
                }
            }
        }

        if (shop.TlsSecretName is { } tlsSecret && !shop.Snapshot.Secrets.ContainsKey(tlsSecret) && !shop.Snapshot.UnreadableSecrets.Contains(tlsSecret))
        {
            problems.Add($"TLS Secret {tlsSecret} does not exist (cert-manager writes it once the certificate is issued: kubectl describe certificate -n {shop.Namespace})");
        }

        var className = (string?)live["spec"]?["ingressClassName"];
        if (className is not null && shop.Snapshot.IngressClasses is { } classes && !classes.Contains(className))
        {
            problems.Add($"ingress class {className} does not exist (classes: {(classes.Count == 0 ? "none" : string.Join(", ", classes.Order(StringComparer.Ordinal)))})");
        }

        return problems.Count == 0
            ? StepResult.Pass(StepNames.IngressRoutes, $"Ingress {shop.Name} routes {shop.Host} / → {shop.Name}-web and /api → {shop.Name}-api" + (className is null ? "" : $" (class {className})"))
            : new StepResult(StepNames.IngressRoutes, StepStatus.Fail, $"Ingress {shop.Name}: " + problems[0], [.. problems],
                $"the operator repairs its Ingress on the next pass; if it does not, kubectl describe shop {shop.Name} -n {shop.Namespace}");
    }

    // The HTTPRoute of a gateway shop, checked like an Ingress: its host, /api and / to the right Services and ports,
    // and what the Gateways said of it (status.parents[].conditions Accepted and ResolvedRefs).
    private static StepResult RouteRules(ShopView shop)
    {
        if (shop.Desired is null)
        {
            return StepResult.Skip(StepNames.IngressRoutes, "the ShopInstance is invalid: " + shop.InvalidReason);
        }

        if (shop.Route is not { } live)
        {
            return new StepResult(StepNames.IngressRoutes, StepStatus.Fail, $"HTTPRoute {shop.Name} not found in {shop.Namespace}", [],
                $"kubectl describe shop {shop.Name} -n {shop.Namespace}: the operator reports why a child was not applied (for example, the Gateway API CRDs are not installed)");
        }

        var problems = new List<string>();
        var hostnames = (live["spec"]?["hostnames"] as JsonArray)?.Select(h => (string?)h).ToList() ?? [];
        if (shop.Host is not null && !hostnames.Contains(shop.Host))
        {
            problems.Add($"hostnames [{string.Join(", ", hostnames)}] do not include {shop.Host}");
        }

        var liveRules = (live["spec"]?["rules"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        foreach (var wanted in (shop.DesiredOf("HTTPRoute", shop.Name)?["spec"]?["rules"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var path = (string?)wanted["matches"]?[0]?["path"]?["value"];
            var wantService = (string?)wanted["backendRefs"]?[0]?["name"];
            var wantPort = wanted["backendRefs"]?[0]?["port"]?.ToString();
            var match = liveRules.FirstOrDefault(r => (r["matches"] as JsonArray)?.Any(m => (string?)m?["path"]?["value"] == path) == true);
            if (match is null)
            {
                problems.Add($"path {path} is missing (want service {wantService} port {wantPort})");
                continue;
            }

            var backends = (match["backendRefs"] as JsonArray)?.OfType<JsonObject>().Select(b => $"{(string?)b["name"]} port {b["port"]}").ToList() ?? [];
            if (backends.Count != 1 || backends[0] != $"{wantService} port {wantPort}")
            {
                problems.Add($"path {path} goes to {(backends.Count == 0 ? "no backend" : string.Join(" and ", backends))}, want {wantService} port {wantPort}");
            }
        }

        var parents = (live["status"]?["parents"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        foreach (var parent in parents)
        {
            var gateway = ((string?)parent["parentRef"]?["namespace"] ?? shop.Namespace) + "/" + (string?)parent["parentRef"]?["name"];
            foreach (var type in new[] { "Accepted", "ResolvedRefs" })
            {
                // Route status keeps its conditions per parent (status.parents[].conditions), not under a status of their own.
                if ((parent["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type) is { } condition
                    && (string?)condition["status"] == "False")
                {
                    problems.Add($"Gateway {gateway}: {type}=False {(string?)condition["reason"]}: {(string?)condition["message"]}");
                }
            }
        }

        if (problems.Count > 0)
        {
            return new StepResult(StepNames.IngressRoutes, StepStatus.Fail, $"HTTPRoute {shop.Name}: " + problems[0], [.. problems],
                $"kubectl describe httproute {shop.Name} -n {shop.Namespace}; a Gateway refusing the route usually means its listener does not allow routes from {shop.Namespace} (allowedRoutes) or has no listener for {shop.Host}");
        }

        var routes = $"HTTPRoute {shop.Name} routes {shop.Host} / → {shop.Name}-web and /api → {shop.Name}-api";
        return parents.Count == 0
            ? new StepResult(StepNames.IngressRoutes, StepStatus.Warn, routes + ", but no Gateway has reported on it yet (status.parents is empty)", [],
                $"check that the Gateway's implementation is running and that parentRefs name an existing Gateway: kubectl describe httproute {shop.Name} -n {shop.Namespace}")
            : StepResult.Pass(StepNames.IngressRoutes, routes + $", accepted by {string.Join(", ", shop.ParentRefs)}");
    }

    private static StepResult ServiceEndpoints(ShopView shop)
    {
        var problems = new List<string>();
        var evidence = new List<string>();
        foreach (var tier in Tiers)
        {
            var name = $"{shop.Name}-{tier}";
            var service = shop.Snapshot.Services.FirstOrDefault(s => NameOf(s) == name);
            if (service is null)
            {
                problems.Add($"Service {name} not found");
                continue;
            }

            var selector = service["spec"]?["selector"] as JsonObject;
            var selected = selector is null ? [] : shop.Snapshot.Pods.Where(p => Matches(p, selector)).ToList();
            var tierPods = shop.PodsOf(tier).ToList();
            if (selector is not null && selected.Count == 0 && tierPods.Count > 0)
            {
                problems.Add($"Service {name} selector {Render(selector)} matches none of the {tierPods.Count} {tier} pods (labels {Render(tierPods[0]["metadata"]?["labels"] as JsonObject)})");
                continue;
            }

            var slices = shop.Snapshot.EndpointSlices.Where(s => (string?)s["metadata"]?["labels"]?["kubernetes.io/service-name"] == name).ToList();
            var endpoints = slices.SelectMany(s => (s["endpoints"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList();
            var ready = endpoints.Count(e => e["conditions"]?["ready"] is not JsonValue v || v.GetValue<bool>());
            evidence.Add($"Service {name}: {ready}/{endpoints.Count} endpoints ready in {slices.Count} EndpointSlice(s), selector matches {selected.Count} pod(s)");
            if (ready == 0)
            {
                problems.Add($"Service {name} has no ready endpoint ({endpoints.Count} endpoint(s), {selected.Count} pod(s) selected)");
            }
        }

        return problems.Count == 0
            ? new StepResult(StepNames.ServiceEndpoints, StepStatus.Pass, "both Services have ready endpoints", evidence)
            : new StepResult(StepNames.ServiceEndpoints, StepStatus.Fail, problems[0], [.. problems, .. evidence],
                problems[0].Contains("selector", StringComparison.Ordinal)
                    ? $"the Service's selector was edited: the operator restores it on its next pass (kubectl describe shop {shop.Name} -n {shop.Namespace})"
                    : "see PodsReady: a Service has endpoints only for Ready pods");
    }

    private static StepResult PodsReady(ShopView shop)
    {
        var problems = new List<string>();
        var evidence = new List<string>();
        string? suggestion = null;
        foreach (var tier in Tiers)
        {
            var pods = shop.PodsOf(tier).ToList();
            var deployment = shop.Snapshot.Deployments.FirstOrDefault(d => NameOf(d) == $"{shop.Name}-{tier}");
            var desired = JsonInt(deployment?["spec"]?["replicas"]) ?? 0;
            var readyPods = pods.Where(IsReady).ToList();
            if (!shop.Snapshot.PodsRead)
            {
                // Pods not listed (the operator reads them on failure only): the Deployment's own counts.
                var ready = JsonInt(deployment?["status"]?["readyReplicas"]) ?? 0;
                evidence.Add($"{tier}: {ready}/{desired} pods Ready (Deployment {shop.Name}-{tier})");
                if (deployment is null)
                {
                    problems.Add(DeploymentNotFound(shop, tier));
                }
                else if (ready < desired)
                {
                    problems.Add($"{tier}: {ready}/{desired} pods Ready (Deployment {shop.Name}-{tier})");
                }

                continue;
            }

            evidence.Add($"{tier}: {readyPods.Count}/{pods.Count} pods Ready (Deployment {shop.Name}-{tier} wants {desired})");
            if (deployment is null)
            {
                problems.Add(DeploymentNotFound(shop, tier));
                continue;
            }

            if (desired > 0 && pods.Count == 0)
            {
                var created = shop.WarningEventsFor($"{shop.Name}-{tier}").FirstOrDefault();
                problems.Add($"{tier}: no pods" + (created is null ? "" : $" ({(string?)created["reason"]}: {(string?)created["message"]})"));
                continue;
            }

            foreach (var pod in pods.Where(p => !IsReady(p)))
            {
                var (reason, next) = WhyNotReady(shop, pod);
                problems.Add($"{tier}: pod {NameOf(pod)} {reason}");
                suggestion ??= next;
            }
        }

        return problems.Count == 0
            ? new StepResult(StepNames.PodsReady, StepStatus.Pass, "every pod of both tiers is Ready", evidence)
            : new StepResult(StepNames.PodsReady, StepStatus.Fail, problems[0], [.. problems, .. evidence], suggestion);
    }

    /// <summary>The operator does not create the api Deployment before its database Secret and key exist: say so.</summary>
    private static string DeploymentNotFound(ShopView shop, string tier)
    {
        var notFound = $"Deployment {shop.Name}-{tier} not found";
        if (tier != "api" || shop.DatabaseSecret is not { } secret || shop.Snapshot.UnreadableSecrets.Contains(secret.Name))
        {
            return notFound;
        }

        return !shop.Snapshot.Secrets.TryGetValue(secret.Name, out var found)
            ? $"{notFound}: the operator creates it once its database Secret {secret.Name} exists"
            : !found.Keys.Contains(secret.Key)
                ? $"{notFound}: the operator creates it once its database Secret {secret.Name} has key {secret.Key}"
                : notFound;
    }

    private static (string Reason, string? Suggestion) WhyNotReady(ShopView shop, JsonObject pod)
    {
        var name = NameOf(pod);
        foreach (var status in ContainerStatuses(pod))
        {
            var container = (string?)status["name"];
            var waiting = status["state"]?["waiting"];
            var reason = (string?)waiting?["reason"];
            var message = (string?)waiting?["message"];
            var image = (string?)status["image"];
            switch (reason)
            {
                case "ImagePullBackOff" or "ErrImagePull" or "InvalidImageName":
                    return ($"container {container} {reason} for {image}" + (message is null ? "" : $": {message}"),
                        $"check that {image} exists and the node can pull it (imagePullSecrets, registry mirror); or roll back spec.image");
                case "CreateContainerConfigError" or "CreateContainerError":
                    return ($"container {container} {reason}: {message}",
                        $"create the missing Secret or key in {shop.Namespace} (kubectl -n {shop.Namespace} get secret), then the pod starts by itself");
                case "CrashLoopBackOff":
                    var restarts = JsonInt(status["restartCount"]) ?? 0;
                    var last = status["lastState"]?["terminated"];
                    return ($"container {container} CrashLoopBackOff, {restarts} restarts, last exit {(string?)last?["reason"] ?? "?"} (code {JsonInt(last?["exitCode"])?.ToString(CultureInfo.InvariantCulture) ?? "?"})",
                        $"kubectl -n {shop.Namespace} logs {name} -c {container} --previous");
                case not null:
                    return ($"container {container} waiting: {reason}" + (message is null ? "" : $": {message}"), null);
            }
        }

        var phase = (string?)pod["status"]?["phase"];
        var scheduled = Condition(pod, "PodScheduled");
        if (phase == "Pending" && scheduled is not null && (string?)scheduled["status"] == "False")
        {
            return ($"Pending, not scheduled: {(string?)scheduled["reason"]}: {(string?)scheduled["message"]}",
                "free capacity or adjust requests/nodeSelector; kubectl describe pod " + name + " -n " + shop.Namespace);
        }

        var unhealthy = shop.Snapshot.Events.FirstOrDefault(e => (string?)e["involvedObject"]?["name"] == name && (string?)e["reason"] == "Unhealthy");
        if (unhealthy is not null)
        {
            return ($"running but not Ready: {(string?)unhealthy["message"]}", $"see AppLogs; kubectl -n {shop.Namespace} logs {name}");
        }

        return ($"not Ready (phase {phase ?? "unknown"})", $"kubectl describe pod {name} -n {shop.Namespace}");
    }

    private static StepResult AppLogs(ShopView shop)
    {
        if (shop.Snapshot.Logs.Count == 0)
        {
            return StepResult.Skip(StepNames.AppLogs, "no failing container to read logs from");
        }

        var evidence = new List<string>();
        var errors = 0;
        foreach (var log in shop.Snapshot.Logs)
        {
            var interesting = log.Lines.Where(IsErrorLine).ToList();
            errors += interesting.Count;
            var shown = (interesting.Count > 0 ? interesting : log.Lines).TakeLast(LogLines);
            evidence.AddRange(shown.Select(l => $"{log.Pod}/{log.Container}{(log.Previous ? " (previous)" : "")}: {l}"));
        }

        return errors > 0
            ? new StepResult(StepNames.AppLogs, StepStatus.Warn, $"{errors} error line(s) in the logs of failing containers", evidence)
            : new StepResult(StepNames.AppLogs, StepStatus.Pass, "no error lines in the logs of failing containers", evidence);
    }

    private static StepResult Resources(ShopView shop)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        foreach (var pod in shop.Snapshot.Pods)
        {
            foreach (var status in ContainerStatuses(pod))
            {
                var terminated = status["lastState"]?["terminated"] ?? status["state"]?["terminated"];
                if ((string?)terminated?["reason"] == "OOMKilled")
                {
                    var limit = LimitOf(pod, (string?)status["name"], "memory");
                    problems.Add($"pod {NameOf(pod)} container {(string?)status["name"]} was OOMKilled (memory limit {limit ?? "none"}, {JsonInt(status["restartCount"]) ?? 0} restarts)");
                }
            }
        }

        foreach (var e in shop.EventsAboutTheShop().Where(e => (string?)e["type"] == "Warning"))
        {
            var message = (string?)e["message"] ?? "";
            if (message.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase) || message.Contains("LimitRange", StringComparison.Ordinal)
                || message.Contains("forbidden: maximum", StringComparison.OrdinalIgnoreCase) || message.Contains("forbidden: minimum", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{(string?)e["involvedObject"]?["kind"]} {(string?)e["involvedObject"]?["name"]}: {(string?)e["reason"]}: {message}");
            }
            else if ((string?)e["reason"] == "FailedScheduling" && message.Contains("Insufficient", StringComparison.Ordinal))
            {
                problems.Add($"pod {(string?)e["involvedObject"]?["name"]}: {message}");
            }
        }

        foreach (var deployment in shop.Snapshot.Deployments)
        {
            foreach (var container in (deployment["spec"]?["template"]?["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var cpuLimit = (string?)container["resources"]?["limits"]?["cpu"];
                if (cpuLimit is null)
                {
                    continue;
                }

                var requests = (string?)container["resources"]?["requests"]?["cpu"];
                if (CpuCores(cpuLimit) is <= 0.25m)
                {
                    warnings.Add($"Deployment {NameOf(deployment)} container {(string?)container["name"]}: cpu limit {cpuLimit} (requests {requests ?? "none"}) is low enough for CFS throttling to slow start-up and probes");
                }
            }
        }

        if (problems.Count > 0)
        {
            return new StepResult(StepNames.Resources, StepStatus.Fail, problems[0], [.. problems, .. warnings],
                problems[0].Contains("OOMKilled", StringComparison.Ordinal)
                    ? $"raise spec.api/web.resources.limits.memory in the ShopInstance {shop.Name}"
                    : "check the namespace's ResourceQuota and LimitRange: kubectl describe quota,limitrange -n " + shop.Namespace);
        }

        return warnings.Count > 0
            ? new StepResult(StepNames.Resources, StepStatus.Warn, warnings[0], warnings)
            : StepResult.Pass(StepNames.Resources, "no OOMKilled container, no quota or LimitRange denial in recent Events");
    }

    private static StepResult Dependencies(ShopView shop)
    {
        var problems = new List<string>();
        var evidence = new List<string>();
        if (shop.DatabaseSecret is { } reference)
        {
            if (shop.Snapshot.UnreadableSecrets.Contains(reference.Name))
            {
                evidence.Add($"Secret {reference.Name} could not be read (no get on secrets): its key {reference.Key} is not checked");
            }
            else if (!shop.Snapshot.Secrets.TryGetValue(reference.Name, out var secret))
            {
                problems.Add($"database Secret {reference.Name} does not exist");
            }
            else if (shop.DatabaseSecretRef is { } typed && ShopOperator.Model.Specs.DatabaseSecret.MissingKeys(typed, secret.Keys) is { Count: > 0 } missing)
            {
                problems.Add($"database Secret {reference.Name} has no key {string.Join(", ", missing)} (keys: {string.Join(", ", secret.Keys.Order(StringComparer.Ordinal))})");
            }
            else
            {
                evidence.Add(shop.DatabaseSecretRef?.Format == ConnectionSecretFormat.Fields
                    ? $"Secret {reference.Name} has the connection fields"
                    : $"Secret {reference.Name} has key {reference.Key}");
            }
        }

        if (shop.ConditionOf("DatabaseReady") is { } databaseReady)
        {
            evidence.Add($"DatabaseReady={(string?)databaseReady["status"]} {(string?)databaseReady["reason"]}");
            if ((string?)databaseReady["status"] == "False")
            {
                problems.Add($"DatabaseReady=False {(string?)databaseReady["reason"]}: {(string?)databaseReady["message"]}");
            }
        }

        var apiPods = shop.PodsOf("api").ToList();
        var running = apiPods.Where(p => (string?)p["status"]?["phase"] == "Running").ToList();
        if (running.Count > 0 && !running.Any(IsReady))
        {
            // The api's readiness probe checks the database: running but never Ready points at it.
            problems.Add($"no api pod is Ready although {running.Count} run: the api's readiness checks the database");
        }

        if (shop.Desired is { } desired)
        {
            foreach (var wanted in desired.Where(o => (string?)o["kind"] == "NetworkPolicy"))
            {
                var name = NameOf(wanted);
                var live = shop.Snapshot.NetworkPolicies.FirstOrDefault(p => NameOf(p) == name);
                if (live is null)
                {
                    problems.Add($"NetworkPolicy {name} is missing");
                    continue;
                }

                foreach (var direction in new[] { "ingress", "egress" })
                {
                    var liveRules = (live["spec"]?[direction] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
                    foreach (var rule in (wanted["spec"]?[direction] as JsonArray)?.OfType<JsonObject>() ?? [])
                    {
                        if (!liveRules.Any(l => Covers(l, rule)))
                        {
                            problems.Add($"NetworkPolicy {name} lacks the {direction} rule {DescribeRule(rule, direction)}" + (Describes(rule, "5432") || IsDatabaseRule(shop, name, direction, rule) ? " (api → database)" : ""));
                        }
                    }
                }
            }
        }

        return problems.Count == 0
            ? new StepResult(StepNames.Dependencies, StepStatus.Pass, "the database Secret exists, the database is ready and the NetworkPolicies allow ingress → web → api → database", evidence)
            : new StepResult(StepNames.Dependencies, StepStatus.Fail, problems[0], [.. problems, .. evidence],
                problems[0].StartsWith("database Secret", StringComparison.Ordinal)
                    ? $"create it: kubectl -n {shop.Namespace} create secret generic {shop.DatabaseSecret?.Name} " + (shop.DatabaseSecretRef?.Format == ConnectionSecretFormat.Fields
                        ? "--from-literal=host=... --from-literal=dbname=... --from-literal=username=... --from-literal=password=..."
                        : $"--from-literal={shop.DatabaseSecret?.Key}=...")
                    : problems[0].StartsWith("NetworkPolicy", StringComparison.Ordinal)
                        ? "the operator restores its NetworkPolicies on its next pass; a policy of another tool may also deny the traffic: kubectl get networkpolicy -n " + shop.Namespace
                        : $"kubectl describe shop {shop.Name} -n {shop.Namespace}");
    }

    private static StepResult RecentChanges(ShopView shop)
    {
        var evidence = new List<string>();
        var since = shop.Snapshot.Now - shop.Snapshot.Since;
        var generation = JsonInt(shop.Snapshot.Shop["metadata"]?["generation"]);
        var observed = JsonInt(shop.Snapshot.Shop["status"]?["observedGeneration"]);
        if (generation != observed)
        {
            evidence.Add($"generation {generation?.ToString(CultureInfo.InvariantCulture) ?? "?"}, observed {observed?.ToString(CultureInfo.InvariantCulture) ?? "none"}: the operator has not processed the latest spec");
        }

        foreach (var record in (shop.Snapshot.Shop["status"]?["history"] as JsonArray)?.OfType<JsonObject>().Take(3) ?? [])
        {
            evidence.Add($"rollout {(string?)record["image"]} {(string?)record["outcome"]} started {(string?)record["startedAt"]}" + ((string?)record["message"] is { } m ? $": {m}" : ""));
        }

        var warnings = shop.EventsAboutTheShop()
            .Where(e => (string?)e["type"] == "Warning" && EventTime(e) is { } t && t >= since)
            .OrderByDescending(EventTime)
            .Take(5)
            .Select(e => $"{EventTime(e):u} Warning {(string?)e["reason"]} {(string?)e["involvedObject"]?["kind"]}/{(string?)e["involvedObject"]?["name"]}: {(string?)e["message"]}")
            .ToList();
        evidence.AddRange(warnings);
        var changed = shop.Children()
            .Select(o => (Object: o, Time: LastChange(o)))
            .Where(c => c.Time is { } t && t >= since)
            .Select(c => $"{(string?)c.Object["kind"]} {NameOf(c.Object)} changed {c.Time:u}")
            .ToList();
        evidence.AddRange(changed);
        var message = $"since {since:u}: {warnings.Count} Warning event(s), {changed.Count} changed child object(s)"
            + (generation != observed ? ", spec not yet observed" : "");
        return new StepResult(StepNames.RecentChanges, warnings.Count > 0 ? StepStatus.Warn : StepStatus.Pass, message, evidence);
    }

    private static readonly string[] Tiers = ["web", "api"];

    /// <summary>A CPU quantity in cores ("500m" → 0.5, "2" → 2); null when it is not one of those plain forms.</summary>
    internal static decimal? CpuCores(string quantity) =>
        quantity.EndsWith('m')
            ? decimal.TryParse(quantity[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var milli) ? milli / 1000m : null
            : decimal.TryParse(quantity, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cores) ? cores : null;

    private static bool IsDatabaseRule(ShopView shop, string policy, string direction, JsonObject rule) =>
        policy == shop.Name + "-api" && direction == "egress" && !Describes(rule, "53");

    private static bool Describes(JsonObject rule, string port) =>
        (rule["ports"] as JsonArray)?.Any(p => p?["port"]?.ToString() == port) == true;

    /// <summary>A live rule allows at least what the wanted rule does: same peers and every wanted port.</summary>
    private static bool Covers(JsonObject live, JsonObject wanted)
    {
        var peersKey = wanted.ContainsKey("from") || live.ContainsKey("from") ? "from" : "to";
        if (!JsonNode.DeepEquals(Normalize(live[peersKey]), Normalize(wanted[peersKey])))
        {
            return false;
        }

        var livePorts = (live["ports"] as JsonArray)?.Select(p => Normalize(p)?.ToJsonString()).ToHashSet(StringComparer.Ordinal);
        if (livePorts is null)
        {
            return true; // no ports: every port
        }

        return (wanted["ports"] as JsonArray)?.All(p => livePorts.Contains(Normalize(p)?.ToJsonString())) ?? livePorts.Count == 0;
    }

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Normalize)]),
        JsonValue v when v.ToString() == "TCP" => null,
        null => null,
        _ => node.DeepClone(),
    };

    private static string DescribeRule(JsonObject rule, string direction)
    {
        var peers = rule[direction == "ingress" ? "from" : "to"]?.ToJsonString() ?? "any peer";
        var ports = (rule["ports"] as JsonArray)?.Select(p => $"{(string?)p?["protocol"] ?? "TCP"}/{p?["port"]}") ?? ["any port"];
        return $"{(direction == "ingress" ? "from" : "to")} {peers} on {string.Join(", ", ports)}";
    }

    private static bool IsErrorLine(string line) =>
        line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)
        || line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)
        || line.Contains("exception", StringComparison.OrdinalIgnoreCase) || line.Contains("error", StringComparison.OrdinalIgnoreCase)
        || line.Contains("fatal", StringComparison.OrdinalIgnoreCase) || line.Contains("panic", StringComparison.Ordinal);

    internal static string NameOf(JsonObject o) => (string?)o["metadata"]?["name"] ?? "";

    /// <summary>"namespace/name" into its parts.</summary>
    internal static (string Namespace, string Name) SplitReference(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        return (reference[..slash], reference[(slash + 1)..]);
    }

    private static bool IsReady(JsonObject pod) => (string?)Condition(pod, "Ready")?["status"] == "True";

    private static JsonObject? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    private static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod) =>
        ((pod["status"]?["initContainerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [])
        .Concat((pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? []);

    private static string? LimitOf(JsonObject pod, string? container, string resource) =>
        (string?)((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["name"] == container)?["resources"]?["limits"]?[resource]);

    internal static bool Matches(JsonObject obj, JsonObject selector) =>
        selector.All(p => (string?)obj["metadata"]?["labels"]?[p.Key] == (string?)p.Value);

    private static string Render(JsonObject? labels) =>
        labels is null ? "{}" : string.Join(",", labels.Select(p => $"{p.Key}={(string?)p.Value}"));

    private static string? PortOf(JsonNode? port) => (string?)port?["name"] ?? port?["number"]?.ToString();

    internal static int? JsonInt(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<long>(out var l) => (int)l,
        _ => null,
    };

    private static DateTimeOffset? EventTime(JsonObject e) =>
        Time(e["lastTimestamp"]) ?? Time(e["eventTime"]) ?? Time(e["firstTimestamp"]) ?? Time(e["metadata"]?["creationTimestamp"]);

    private static DateTimeOffset? LastChange(JsonObject o)
    {
        var times = ((o["metadata"]?["managedFields"] as JsonArray)?.Select(m => Time(m?["time"])) ?? [])
            .Append(Time(o["metadata"]?["creationTimestamp"]))
            .OfType<DateTimeOffset>()
            .ToList();
        return times.Count == 0 ? null : times.Max();
    }

    private static DateTimeOffset? Time(JsonNode? node) =>
        (string?)node is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
