using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "API Conventions", Defaulting (and the API changes guide: decode, default, validate, store): the server fills in
/// the optional fields of built-in kinds on create and update, stores quantities in canonical form, and Go's omitempty
/// drops empty lists. Operators comparing what they sent with what is stored must not see these as drift.
/// </summary>
// The deployment controller stays out of these tests' way: they look at spec defaults only.
public sealed class DefaultingTests() : EmulatorTest(new EmulatorOptions { DeploymentControllerDelay = TimeSpan.FromMinutes(10) })
{
    private const string Digest = "ghcr.io/example/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    private static JsonObject Deployment(string image) => JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
         "spec":{"selector":{"matchLabels":{"app":"d"}},
          "template":{"metadata":{"labels":{"app":"d"}},
           "spec":{"containers":[{"name":"c","image":"IMAGE","ports":[{"containerPort":8080}],
             "readinessProbe":{"httpGet":{"path":"/ready","port":8080}},
             "resources":{"requests":{"cpu":"0.5","memory":"128Mi"},"limits":{"cpu":"1000m"}}}]}}}}
        """.Replace("IMAGE", image, StringComparison.Ordinal))!.AsObject();

    [Fact]
    public async Task Secret_stringData_is_stored_base64_in_data_overwriting_and_never_returned()
    {
        // core/v1 Secret: "stringData ... is merged into the data field on write, overwriting any existing values.
        // The stringData field is never output when reading from the API."
        var secret = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"sd"},
             "data":{"host":"b2xk","keep":"a2VlcA=="},"stringData":{"host":"127.0.0.1","port":"55432"}}
            """)!.AsObject();

        var (code, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets", secret);
        var (_, read) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/secrets/sd");

        Assert.Equal(HttpStatusCode.Created, code);
        foreach (var body in new[] { created, read })
        {
            Assert.Null(body["stringData"]);
            Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("127.0.0.1")), body["data"]!["host"]!.GetValue<string>());
            Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("55432")), body["data"]!["port"]!.GetValue<string>());
            Assert.Equal("a2VlcA==", body["data"]!["keep"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ApiConventions_Defaulting_Deployment_and_pod_template_fields_are_filled_in()
    {
        var (code, d) = await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment(Digest));
        Assert.Equal(HttpStatusCode.Created, code);

        var spec = d["spec"]!;
        Assert.Equal(1, spec["replicas"]!.GetValue<int>());
        Assert.Equal(10, spec["revisionHistoryLimit"]!.GetValue<int>());
        Assert.Equal(600, spec["progressDeadlineSeconds"]!.GetValue<int>());
        Assert.Equal("RollingUpdate", spec["strategy"]!["type"]!.GetValue<string>());
        Assert.Equal("25%", spec["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<string>());
        var pod = spec["template"]!["spec"]!;
        Assert.Equal("Always", pod["restartPolicy"]!.GetValue<string>());
        Assert.Equal("ClusterFirst", pod["dnsPolicy"]!.GetValue<string>());
        Assert.Equal(30, pod["terminationGracePeriodSeconds"]!.GetValue<int>());
        var container = pod["containers"]![0]!;
        Assert.Equal("/dev/termination-log", container["terminationMessagePath"]!.GetValue<string>());
        Assert.Equal("IfNotPresent", container["imagePullPolicy"]!.GetValue<string>());
        Assert.Equal("TCP", container["ports"]![0]!["protocol"]!.GetValue<string>());
        Assert.Equal(1, container["readinessProbe"]!["timeoutSeconds"]!.GetValue<int>());
        Assert.Equal(3, container["readinessProbe"]!["failureThreshold"]!.GetValue<int>());
        Assert.Equal("HTTP", container["readinessProbe"]!["httpGet"]!["scheme"]!.GetValue<string>());

        // Quantities are stored canonical.
        Assert.Equal("500m", container["resources"]!["requests"]!["cpu"]!.GetValue<string>());
        Assert.Equal("1", container["resources"]!["limits"]!["cpu"]!.GetValue<string>());
        Assert.Equal("128Mi", container["resources"]!["requests"]!["memory"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConventions_Defaulting_An_update_with_the_clients_sparse_body_is_a_no_op()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment(Digest));
        var sparse = Deployment(Digest);
        sparse["metadata"]!["resourceVersion"] = created["metadata"]!["resourceVersion"]!.GetValue<string>();

        // The same defaults are applied to the update, so nothing changed and nothing is stored ("API Concepts").
        var (code, updated) = await SendAsync(HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/d", sparse);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(created["metadata"]!["resourceVersion"]!.GetValue<string>(), updated["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(1, updated["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task ApiConventions_Defaulting_Image_pull_policy_is_Always_for_latest_or_no_tag()
    {
        var (_, d) = await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("nginx:latest"));
        Assert.Equal("Always", d["spec"]!["template"]!["spec"]!["containers"]![0]!["imagePullPolicy"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiConventions_Defaulting_Service_gets_a_cluster_IP_that_updates_keep_and_may_not_change()
    {
        var service = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},
             "spec":{"selector":{"app":"s"},"ports":[{"name":"http","port":80}]}}
            """)!.AsObject();
        var (code, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services", service);
        Assert.Equal(HttpStatusCode.Created, code);
        var spec = created["spec"]!;
        var ip = spec["clusterIP"]!.GetValue<string>();
        Assert.StartsWith("10.96.", ip, StringComparison.Ordinal);
        Assert.Equal(ip, spec["clusterIPs"]![0]!.GetValue<string>());
        Assert.Equal("ClusterIP", spec["type"]!.GetValue<string>());
        Assert.Equal("None", spec["sessionAffinity"]!.GetValue<string>());
        Assert.Equal("TCP", spec["ports"]![0]!["protocol"]!.GetValue<string>());
        Assert.Equal(80, spec["ports"]![0]!["targetPort"]!.GetValue<int>());

        // A PUT that leaves the address out keeps it (and so changes nothing).
        var (sameCode, same) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/services/s", service);
        Assert.Equal(HttpStatusCode.OK, sameCode);
        Assert.Equal(ip, same["spec"]!["clusterIP"]!.GetValue<string>());
        Assert.Equal(created["metadata"]!["resourceVersion"]!.GetValue<string>(), same["metadata"]!["resourceVersion"]!.GetValue<string>());

        // Changing it is refused.
        var moved = (JsonObject)created.DeepClone();
        moved["spec"]!["clusterIP"] = "10.96.200.200";
        moved["spec"]!["clusterIPs"] = new JsonArray("10.96.200.200");
        var (movedCode, status) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/services/s", moved);
        Assert.Equal((HttpStatusCode)422, movedCode);
        Assert.Contains("spec.clusterIP", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiConventions_Defaulting_NetworkPolicy_types_and_empty_lists_dropped()
    {
        var policy = JsonNode.Parse("""
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny"},
             "spec":{"podSelector":{},"ingress":[],"egress":[{"ports":[{"port":53}]}]}}
            """)!.AsObject();
        var (code, created) = await SendAsync(HttpMethod.Post, "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", policy);

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(["Ingress", "Egress"], created["spec"]!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("TCP", created["spec"]!["egress"]![0]!["ports"]![0]!["protocol"]!.GetValue<string>());

        // Go's omitempty: the empty list is not stored.
        Assert.False(created["spec"]!.AsObject().ContainsKey("ingress"));
    }
}
