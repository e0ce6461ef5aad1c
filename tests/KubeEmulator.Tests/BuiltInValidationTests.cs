using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// The upstream validation of the built-in kinds the operator writes: each case names the function of
/// kubernetes/kubernetes (pkg/apis/{apps,core,networking,policy,rbac}/validation) whose rule it checks, and expects
/// the 422 cause with upstream's field path and message.
/// </summary>
public sealed class BuiltInValidationTests() : EmulatorTest()
{

    private static JsonObject Deployment(Action<JsonObject>? edit = null)
    {
        var d = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "img:1" }) },
                },
            },
        };
        edit?.Invoke(d);
        return d;
    }

    private static JsonObject Container(JsonObject d) => d["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    private static JsonObject Service(Action<JsonObject>? edit = null, string name = "web")
    {
        var s = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "web" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) },
        };
        edit?.Invoke(s);
        return s;
    }

    private static JsonObject Ingress(string host, JsonNode? pathType, JsonObject? port = null) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "Ingress",
        ["metadata"] = new JsonObject { ["name"] = "web" },
        ["spec"] = new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject
            {
                ["host"] = host,
                ["http"] = new JsonObject
                {
                    ["paths"] = new JsonArray(new JsonObject
                    {
                        ["path"] = "/",
                        ["pathType"] = pathType,
                        ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "web", ["port"] = port ?? new JsonObject { ["number"] = 80 } } },
                    }),
                },
            }),
        },
    };

    private static JsonObject NetworkPolicy(JsonObject egressRule) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = new JsonObject { ["name"] = "np" },
        ["spec"] = new JsonObject { ["podSelector"] = new JsonObject(), ["egress"] = new JsonArray(egressRule) },
    };

    private static JsonObject Pdb(JsonObject spec) => new()
    {
        ["apiVersion"] = "policy/v1",
        ["kind"] = "PodDisruptionBudget",
        ["metadata"] = new JsonObject { ["name"] = "pdb" },
        ["spec"] = spec,
    };

    private static JsonObject Secret(JsonObject data, string? type = null)
    {
        var s = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "s" }, ["data"] = data };
        if (type is not null)
        {
            s["type"] = type;
        }

        return s;
    }

    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private const string Services = "/api/v1/namespaces/default/services";
    private const string Ingresses = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
    private const string NetworkPolicies = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies";
    private const string Pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
    private const string Secrets = "/api/v1/namespaces/default/secrets";

    /// <summary>(upstream rule, collection, body, field, message).</summary>
    public static TheoryData<string, string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string, string>();
        void Add(string rule, string path, JsonObject body, string field, string message) => data.Add(rule, path, body.ToJsonString(), field, message);

        Add("ValidateResourceRequirements: requests <= limits", Deployments, Deployment(d => Container(d)["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "1" }, ["limits"] = new JsonObject { ["cpu"] = "500m" } }),
            "spec.template.spec.containers[0].resources.requests", "Invalid value: \"1\": must be less than or equal to cpu limit of 500m");
        Add("validateContainerResourceName: standard resource", Deployments, Deployment(d => Container(d)["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpus"] = "1" } }),
            "spec.template.spec.containers[0].resources.limits[cpus]", "Invalid value: \"cpus\": must be a standard resource for containers");
        Add("validateContainerPorts: containerPort range", Deployments, Deployment(d => Container(d)["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 70000 })),
            "spec.template.spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive");
        Add("validateContainerPorts: IANA_SVC_NAME port name", Deployments, Deployment(d => Container(d)["ports"] = new JsonArray(new JsonObject { ["name"] = "http-port-too-long", ["containerPort"] = 80 })),
            "spec.template.spec.containers[0].ports[0].name", "Invalid value: \"http-port-too-long\": must be no more than 15 characters");
        Add("ValidateEnv: env var name (RelaxedEnvironmentVariableValidation)", Deployments, Deployment(d => Container(d)["env"] = new JsonArray(new JsonObject { ["name"] = "A=B", ["value"] = "1" })),
            "spec.template.spec.containers[0].env[0].name", "Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='");
        Add("validateSecretKeySelector: key", Deployments, Deployment(d => Container(d)["env"] = new JsonArray(new JsonObject { ["name"] = "DB", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "db", ["key"] = "a b" } } })),
            "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key", "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        Add("validateProbe: a handler", Deployments, Deployment(d => Container(d)["livenessProbe"] = new JsonObject { ["periodSeconds"] = 5 }),
            "spec.template.spec.containers[0].livenessProbe", "Required value: must specify a handler type");
        Add("validateProbe: liveness successThreshold", Deployments, Deployment(d => Container(d)["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/", ["port"] = 8080 }, ["successThreshold"] = 2 }),
            "spec.template.spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1");
        Add("validateProbe: httpGet port", Deployments, Deployment(d => Container(d)["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/", ["port"] = 0 } }),
            "spec.template.spec.containers[0].readinessProbe.httpGet.port", "Invalid value: 0: must be between 1 and 65535, inclusive");
        Add("validateContainers: name is a DNS-1123 label", Deployments, Deployment(d => Container(d)["name"] = "Web"),
            "spec.template.spec.containers[0].name", "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        Add("ValidateVolumeMounts: volume must exist", Deployments, Deployment(d => Container(d)["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "data", ["mountPath"] = "/data" })),
            "spec.template.spec.containers[0].volumeMounts[0].name", "Not found: \"data\"");
        Add("ValidateLabelSelector: operator", Deployments, Deployment(d => d["spec"]!["selector"]!["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "tier", ["operator"] = "Equals", ["values"] = new JsonArray("a") })),
            "spec.selector.matchExpressions[0].operator", "Invalid value: \"Equals\": not a valid selector operator");
        Add("ValidateLabelSelectorRequirement: In needs values", Deployments, Deployment(d => d["spec"]!["selector"]!["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "tier", ["operator"] = "In" })),
            "spec.selector.matchExpressions[0].values", "Required value: must be specified when `operator` is 'In' or 'NotIn'");
        Add("ValidateLabelSelectorRequirement: Exists takes no values", Deployments, Deployment(d => d["spec"]!["selector"]!["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "Exists", ["values"] = new JsonArray("x") })),
            "spec.selector.matchExpressions[0].values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        Add("ValidateDeploymentSpec: selector matches template labels (matchExpressions)", Deployments, Deployment(d => d["spec"]!["selector"]!["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "tier", ["operator"] = "Exists" })),
            "spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`");
        Add("ValidateRollingUpdateDeployment: maxUnavailable 0 with maxSurge 0", Deployments, Deployment(d => d["spec"]!["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = 0, ["maxUnavailable"] = 0 } }),
            "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 0: may not be 0 when `maxSurge` is 0");
        Add("ValidatePodTemplateSpecForDeployment: restartPolicy Always", Deployments, Deployment(d => d["spec"]!["template"]!["spec"]!["restartPolicy"] = "Never"),
            "spec.template.spec.restartPolicy", "Unsupported value: \"Never\": supported values: \"Always\"");

        Add("ValidateServiceName: DNS-1035 label", Services, Service(name: "1web"),
            "metadata.name", "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
        Add("validateServicePort: port range", Services, Service(s => s["spec"]!["ports"]![0]!["port"] = 0),
            "spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive");
        Add("validateServicePort: targetPort range", Services, Service(s => s["spec"]!["ports"]![0]!["targetPort"] = 70000),
            "spec.ports[0].targetPort", "Invalid value: 70000: must be between 1 and 65535, inclusive");
        Add("validateServicePort: names required with several ports", Services, Service(s => s["spec"]!["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }, new JsonObject { ["port"] = 81 })),
            "spec.ports[0].name", "Required value");
        Add("ValidateService: ports required", Services, Service(s => s["spec"]!.AsObject().Remove("ports")),
            "spec.ports", "Required value");

        Add("validateIngressRules: host is not an IP", Ingresses, Ingress("10.0.0.1", "Prefix"),
            "spec.rules[0].host", "Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address");
        Add("validateIngressRules: wildcard host", Ingresses, Ingress("foo.*.example.com", "Prefix"),
            "spec.rules[0].host", "Invalid value: \"foo.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        Add("validateHTTPIngressPath: pathType required", Ingresses, Ingress("shop.example.com", null),
            "spec.rules[0].http.paths[0].pathType", "Required value: pathType must be specified");
        Add("validateHTTPIngressPath: pathType supported", Ingresses, Ingress("shop.example.com", "Regex"),
            "spec.rules[0].http.paths[0].pathType", "Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"");
        Add("validateIngressBackend: port name xor number", Ingresses, Ingress("shop.example.com", "Prefix", new JsonObject { ["name"] = "http", ["number"] = 80 }),
            "spec.rules[0].http.paths[0].backend.service.port", "Invalid value: \"\": cannot set both port name & port number");

        Add("validateNetworkPolicyPort: port range", NetworkPolicies, NetworkPolicy(new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 70000 }) }),
            "spec.egress[0].ports[0].port", "Invalid value: 70000: must be between 1 and 65535, inclusive");
        Add("validateNetworkPolicyPort: endPort >= port", NetworkPolicies, NetworkPolicy(new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 8080, ["endPort"] = 80 }) }),
            "spec.egress[0].ports[0].endPort", "Invalid value: 80: must be greater than or equal to `port`");
        Add("ValidateIPBlock: cidr", NetworkPolicies, NetworkPolicy(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0/16" } }) }),
            "spec.egress[0].to[0].ipBlock.cidr", "Invalid value: \"10.0.0/16\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
        Add("ValidateIPBlock: except inside cidr", NetworkPolicies, NetworkPolicy(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0.0/16", ["except"] = new JsonArray("10.1.0.0/24") } }) }),
            "spec.egress[0].to[0].ipBlock.except[0]", "Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`");
        Add("ValidateNetworkPolicyPeer: one peer type with ipBlock", NetworkPolicies, NetworkPolicy(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0.0/16" }, ["podSelector"] = new JsonObject() }) }),
            "spec.egress[0].to[0]", "Forbidden: may not specify both ipBlock and another peer");
        Add("ValidateLabelSelector in a podSelector", NetworkPolicies, NetworkPolicy(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "bad value" } } }) }),
            "spec.egress[0].to[0].podSelector.matchLabels", "Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");

        Add("ValidatePodDisruptionBudgetSpec: minAvailable xor maxUnavailable", Pdbs, Pdb(new JsonObject { ["minAvailable"] = 1, ["maxUnavailable"] = 1 }),
            "spec", "Invalid value: {\"minAvailable\":1,\"maxUnavailable\":1}: minAvailable and maxUnavailable cannot be both set");
        Add("ValidatePodDisruptionBudgetSpec: percent <= 100%", Pdbs, Pdb(new JsonObject { ["minAvailable"] = "150%" }),
            "spec.minAvailable", "Invalid value: \"150%\": must not be greater than 100%");

        Add("ValidateServiceAccount: secret references", "/api/v1/namespaces/default/serviceaccounts",
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = "sa" }, ["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "Bad_Name" }) },
            "imagePullSecrets[0].name", "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        Add("ValidateSecret: key names", Secrets, Secret(new JsonObject { ["a b"] = "eA==" }),
            "data[a b]", "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        Add("ValidateSecret: total size <= 1 MiB", Secrets, Secret(new JsonObject { ["big"] = Convert.ToBase64String(new byte[(1024 * 1024) + 1]) }),
            "data", "Too long: may not be more than 1048576 bytes");
        Add("ValidateSecret: kubernetes.io/tls keys", Secrets, Secret(new JsonObject { ["tls.crt"] = "eA==" }, "kubernetes.io/tls"),
            "data[tls.key]", "Required value");
        Add("ValidateConfigMap: key names", "/api/v1/namespaces/default/configmaps",
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "c" }, ["data"] = new JsonObject { ["..x"] = "1" } },
            "data[..x]", "Invalid value: \"..x\": must not start with '..'");
        Add("ValidateRoleBinding: roleRef kind", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            new JsonObject { ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = "RoleBinding", ["metadata"] = new JsonObject { ["name"] = "rb" }, ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "User", ["name"] = "x" } },
            "roleRef.kind", "Unsupported value: \"User\": supported values: \"Role\", \"ClusterRole\"");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Upstream_validation_rejects_with_the_same_field_and_message(string rule, string path, string body, string field, string message)
    {
        var (code, status) = await Api.SendAsync(HttpMethod.Post, path, JsonNode.Parse(body));

        Assert.True(code == HttpStatusCode.UnprocessableEntity, $"{rule}: {(int)code} {status.ToJsonString()}");
        var causes = status["details"]!["causes"]!.AsArray().Select(c => (c!["field"]!.GetValue<string>(), c["message"]!.GetValue<string>())).ToList();
        Assert.Contains((field, message), causes);
        Assert.Contains($"{field}: {message}", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream_validation_accepts_the_usual_shapes()
    {
        // A wildcard host, a named backend port, a named probe port, requests equal to limits, a headless Service,
        // an ipBlock with an except inside it, a percent PDB, a TLS secret with both keys.
        await Api.OkAsync(HttpMethod.Post, Ingresses, Ingress("*.example.com", "Prefix", new JsonObject { ["name"] = "http" }));
        await Api.OkAsync(HttpMethod.Post, Deployments, Deployment(d =>
        {
            Container(d)["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 });
            Container(d)["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/ready", ["port"] = "http" } };
            Container(d)["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "0.5", ["memory"] = "128Mi" }, ["limits"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "256Mi" } };
            Container(d)["env"] = new JsonArray(new JsonObject { ["name"] = "my.env-name", ["value"] = "1" });
        }));
        await Api.OkAsync(HttpMethod.Post, Services, Service(s =>
        {
            s["spec"]!["clusterIP"] = "None";
            s["spec"]!.AsObject().Remove("ports");
        }));
        await Api.OkAsync(HttpMethod.Post, NetworkPolicies, NetworkPolicy(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0.0/8", ["except"] = new JsonArray("10.1.0.0/16") } }) }));
        await Api.OkAsync(HttpMethod.Post, Pdbs, Pdb(new JsonObject { ["maxUnavailable"] = "25%", ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } } }));
        await Api.OkAsync(HttpMethod.Post, Secrets, Secret(new JsonObject { ["tls.crt"] = "eA==", ["tls.key"] = "eA==" }, "kubernetes.io/tls"));
    }
}
