using System.Text.Json.Nodes;
using ShopOperator.Model;
using Xunit;

namespace OperatorModel.Tests;

public sealed class ValidationTests
{
    public sealed record Case(string Name, Action<JsonObject> Break, string Path, string Message);

    private const string Sha = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>One bad spec per rule, with the exact error it must produce.</summary>
    public static IReadOnlyList<Case> Cases { get; } =
    [
        new("tag instead of digest", s => s.With("spec.image", "ghcr.io/example/shop:1.4.2"), "spec.image",
            "'ghcr.io/example/shop:1.4.2' names a tag, not a digest: pin a digest: registry/repository@sha256:<64 hex> (build once, deploy the same digest)"),
        new("no tag and no digest", s => s.With("spec.image", "ghcr.io/example/shop"), "spec.image",
            "'ghcr.io/example/shop' is not pinned to a digest: pin a digest: registry/repository@sha256:<64 hex> (build once, deploy the same digest)"),
        new("short digest", s => s.With("spec.image", "ghcr.io/example/shop@sha256:abc"), "spec.image",
            "'ghcr.io/example/shop@sha256:abc' has a malformed digest: expected registry/repository@sha256:<64 lower-case hex digits>"),
        new("no registry", s => s.With("spec.image", "shop@" + Sha), "spec.image",
            $"'shop@{Sha}' has a malformed digest: expected registry/repository@sha256:<64 lower-case hex digits>"),
        new("image missing", s => s.With("spec.image", null), "spec.image", "required"),
        new("image a number", s => s.With("spec.image", 7), "spec.image", "must be a string"),
        new("host missing", s => s.With("spec.host", null), "spec.host", "required"),
        new("host upper case", s => s.With("spec.host", "Shop.Example.com"), "spec.host",
            "'Shop.Example.com' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')"),
        new("host too long", s => s.With("spec.host", string.Join('.', Enumerable.Repeat(new string('a', 60), 5))), "spec.host", "must be at most 253 characters"),
        new("tls secret name", s => s.With("spec.tls.secretName", "My_Tls"), "spec.tls.secretName",
            "'My_Tls' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')"),
        new("negative rate limit", s => s.With("spec.ingress.rateLimitPerSecond", -1), "spec.ingress.rateLimitPerSecond", "must be between 0 and 100000"),
        new("rate limit fraction", s => s.With("spec.ingress.rateLimitPerSecond", 2.5), "spec.ingress.rateLimitPerSecond", "must be an integer"),
        new("too many replicas", s => s.With("spec.web.replicas", 101), "spec.web.replicas", "must be between 0 and 100"),
        new("negative replicas", s => s.With("spec.api.replicas", -1), "spec.api.replicas", "must be between 0 and 100"),
        new("replicas a string", s => s.With("spec.api.replicas", "2"), "spec.api.replicas", "must be an integer"),
        new("typo in a field", s => s.With("spec.web.replica", 2), "spec.web.replica", "unknown field"),
        new("bad quantity", s => s.With("spec.web.resources.limits", new JsonObject { ["memory"] = "lots" }), "spec.web.resources.limits.memory",
            "'lots' is not a Kubernetes quantity (e.g. 100m, 1, 256Mi)"),
        new("quantity a fraction number", s => s.With("spec.api.resources.requests", new JsonObject { ["cpu"] = 0.5 }), "spec.api.resources.requests.cpu", "must be an integer or a string"),
        new("database missing", s => s.With("spec.database", null), "spec.database", "required"),
        new("both database modes", s => s.With("spec.database.provision", new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" } }), "spec.database",
            DatabaseSpec.ExactlyOneMessage),
        new("no database mode", s => s.With("spec.database.connectionSecretRef", null), "spec.database", DatabaseSpec.ExactlyOneMessage),
        new("secret ref without name", s => s.With("spec.database.connectionSecretRef", new JsonObject { ["key"] = "url" }), "spec.database.connectionSecretRef.name", "required"),
        new("secret key with a slash", s => s.With("spec.database.connectionSecretRef.key", "a/b"), "spec.database.connectionSecretRef.key",
            "'a/b' is not a valid Secret key (letters, digits, '-', '_' and '.')"),
        new("unknown deletion policy", s => s.With("spec.database.connectionSecretRef", null).With("spec.database.provision", new JsonObject
            {
                ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" },
                ["deletionPolicy"] = "Keep",
            }), "spec.database.provision.deletionPolicy", "'Keep' must be one of Retain, Delete"),
        new("provision without admin secret", s => s.With("spec.database.connectionSecretRef", null).With("spec.database.provision", new JsonObject()),
            "spec.database.provision.adminSecretRef", "required"),
        new("cidr and selector", s => s.With("spec.database.egress", new JsonObject
            {
                ["cidr"] = "10.0.0.0/16",
                ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "pg" } },
            }), "spec.database.egress", EgressSpec.CidrOrSelectorsMessage),
        new("bad cidr", s => s.With("spec.database.egress.cidr", "10.0.0.300/16"), "spec.database.egress.cidr", "'10.0.0.300/16' is not a network in CIDR notation (e.g. 10.0.0.0/16)"),
        new("unknown secret format", s => s.With("spec.database.connectionSecretRef.format", "Uri"), "spec.database.connectionSecretRef.format", "'Uri' must be one of ConnectionString, Fields"),
        new("trusted proxy prefix too long", s => s.With("spec.network.trustedProxyCIDRs", new JsonArray("10.244.0.0/16", "10.0.0.0/33")), "spec.network.trustedProxyCIDRs[1]",
            "'10.0.0.0/33' is not a network in CIDR notation (e.g. 10.0.0.0/8)"),
        new("trusted proxy an address", s => s.With("spec.network.trustedProxyCIDRs", new JsonArray("proxy.example.com")), "spec.network.trustedProxyCIDRs[0]",
            "'proxy.example.com' is not a network in CIDR notation (e.g. 10.0.0.0/8)"),
        new("selector with a typo", s => s.With("spec.database.egress.podSelector", new JsonObject { ["matchLabel"] = new JsonObject() }),
            "spec.database.egress.podSelector.matchLabel", "unknown field (a label selector has matchLabels and matchExpressions)"),
        new("selector label not a string", s => s.With("spec.database.egress.namespaceSelector", new JsonObject { ["matchLabels"] = new JsonObject { ["tier"] = 1 } }),
            "spec.database.egress.namespaceSelector.matchLabels.tier", "must be a string"),
        new("selector bad operator", s => s.With("spec.database.egress.podSelector", new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "Equals" }),
            }), "spec.database.egress.podSelector.matchExpressions[0].operator",
            "Invalid value: \"Equals\": not a valid selector operator (In, NotIn, Exists, DoesNotExist)"),

        // Rules a real API server enforces on the children; checked before anything is written (issue 11).
        // networking ValidateIngressSpec: "must be a DNS name, not an IP address".
        new("host an IPv4 address", s => s.With("spec.host", "10.1.2.3"), "spec.host", "'10.1.2.3' must be a DNS name, not an IP address"),

        // core ValidateResourceRequirements / validateContainerResourceName.
        new("resource not standard", s => s.With("spec.web.resources.limits", new JsonObject { ["gpu"] = "1" }), "spec.web.resources.limits.gpu",
            "'gpu' must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended resource such as nvidia.com/gpu)"),
        new("resource name not qualified", s => s.With("spec.web.resources.limits", new JsonObject { ["example.com/gpu_"] = "1" }), "spec.web.resources.limits.example.com/gpu_",
            "Invalid value: \"example.com/gpu_\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        new("cpu request above limit", s => s.With("spec.api.resources", new JsonObject
            {
                ["requests"] = new JsonObject { ["cpu"] = "1500m" },
                ["limits"] = new JsonObject { ["cpu"] = "1" },
            }), "spec.api.resources.requests.cpu", "'1500m' must be less than or equal to cpu limit of 1"),
        new("memory request above limit across units", s => s.With("spec.web.resources", new JsonObject
            {
                ["requests"] = new JsonObject { ["memory"] = "1Gi" },
                ["limits"] = new JsonObject { ["memory"] = "1000M" },
            }), "spec.web.resources.requests.memory", "'1Gi' must be less than or equal to memory limit of 1000M"),
        new("extended resource request not equal to limit", s => s.With("spec.web.resources", new JsonObject
            {
                ["requests"] = new JsonObject { ["nvidia.com/gpu"] = 1 },
                ["limits"] = new JsonObject { ["nvidia.com/gpu"] = 2 },
            }), "spec.web.resources.requests.nvidia.com/gpu", "'1' must be equal to nvidia.com/gpu limit of 2"),
        new("extended resource request without limit", s => s.With("spec.web.resources", new JsonObject { ["requests"] = new JsonObject { ["nvidia.com/gpu"] = 1 } }),
            "spec.web.resources.limits.nvidia.com/gpu", "Required value: Limit must be set for non overcommitable resources"),

        // metav1 ValidateLabelSelector / ValidateLabelSelectorRequirement.
        new("selector label key with a space", s => s.With("spec.database.egress.podSelector", new JsonObject { ["matchLabels"] = new JsonObject { ["my app"] = "pg" } }),
            "spec.database.egress.podSelector.matchLabels",
            "Invalid value: \"my app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        new("selector label value too long", s => s.With("spec.database.egress.namespaceSelector", new JsonObject { ["matchLabels"] = new JsonObject { ["team"] = new string('a', 64) } }),
            "spec.database.egress.namespaceSelector.matchLabels", $"Invalid value: \"{new string('a', 64)}\": must be no more than 63 characters"),
        new("selector In without values", s => s.With("spec.database.egress.podSelector", new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "In" }),
            }), "spec.database.egress.podSelector.matchExpressions[0].values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
        new("selector Exists with values", s => s.With("spec.database.egress.podSelector", new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "Exists", ["values"] = new JsonArray("pg") }),
            }), "spec.database.egress.podSelector.matchExpressions[0].values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        new("selector key with two slashes", s => s.With("spec.database.egress.podSelector", new JsonObject
            {
                ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "a/b/c", ["operator"] = "Exists" }),
            }), "spec.database.egress.podSelector.matchExpressions[0].key",
            "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),

        // spec.network peers (NetworkPolicy peers) and ports.
        new("peer with cidr and selector", s => s.With("spec.network.ingressFrom", new JsonArray(new JsonObject
            {
                ["cidr"] = "10.0.0.0/8",
                ["namespaceSelector"] = new JsonObject(),
            })), "spec.network.ingressFrom[0]", NetworkPeer.CidrOrSelectorsMessage),
        new("peer with nothing", s => s.With("spec.network.monitoringFrom", new JsonArray(new JsonObject())), "spec.network.monitoringFrom[0]", NetworkPeer.CidrOrSelectorsMessage),
        new("peer with a bad cidr", s => s.With("spec.network.dns.to", new JsonArray(new JsonObject { ["cidr"] = "169.254.20.10/33" })), "spec.network.dns.to[0].cidr",
            "'169.254.20.10/33' is not a network in CIDR notation (e.g. 10.0.0.0/16)"),
        new("peer with a bad selector", s => s.With("spec.network.ingressFrom", new JsonArray(new JsonObject
            {
                ["podSelector"] = new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "NotIn" }) },
            })), "spec.network.ingressFrom[0].podSelector.matchExpressions[0].values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
        new("dns port zero", s => s.With("spec.network.dns.ports", new JsonArray(0)), "spec.network.dns.ports[0]", "must be between 1 and 65535"),
        new("database port too large", s => s.With("spec.database.egress.ports", new JsonArray(70000)), "spec.database.egress.ports[0]", "must be between 1 and 65535"),

        // spec.gateway (issue 17): an HTTPRoute instead of an Ingress; the CRD's CEL rules and their twins.
        new("ingress and gateway", s => s.With("spec.ingress", new JsonObject { ["className"] = "nginx" }).With("spec.gateway", Gateway()), "spec", ShopInstanceSpec.IngressOrGatewayMessage),
        new("tls with gateway", s => s.With("spec.tls", new JsonObject { ["secretName"] = "demo-tls" }).With("spec.gateway", Gateway()), "spec", ShopInstanceSpec.TlsWithGatewayMessage),
        new("gateway without parents", s => s.With("spec.gateway", new JsonObject { ["parentRefs"] = new JsonArray() }), "spec.gateway", GatewaySpec.ParentRefsMessage),
        new("gateway parent without name", s => s.With("spec.gateway", new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["namespace"] = "gw" }) }), "spec.gateway.parentRefs[0].name", "required"),
        new("gateway namespace not a label", s => s.With("spec.gateway", new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "gw", ["namespace"] = "gw.system" }) }),
            "spec.gateway.parentRefs[0].namespace", "'gw.system' is not a DNS-1123 label (lower-case letters, digits and '-')"),
        new("gateway port zero", s => s.With("spec.gateway", new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "gw", ["port"] = 0 }) }),
            "spec.gateway.parentRefs[0].port", "must be between 1 and 65535"),

        // apimachinery ValidateAnnotations.
        new("service account annotation key not qualified", s => s.With("spec.api.serviceAccount.annotations", new JsonObject { ["role arn"] = "x" }), "spec.api.serviceAccount.annotations",
            "Invalid value: \"role arn\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        new("service account annotation not a string", s => s.With("spec.web.serviceAccount.annotations", new JsonObject { ["iam.gke.io/gcp-service-account"] = 1 }),
            "spec.web.serviceAccount.annotations.iam.gke.io/gcp-service-account", "must be a string"),

        // RE2 (Go regexp): $ is the end of the text, so a final newline fails every pattern, as on the API server.
        new("host with a final newline", s => s.With("spec.host", "shop.example.com\n"), "spec.host",
            "'shop.example.com\n' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')"),
        new("secret key with a final newline", s => s.With("spec.database.connectionSecretRef.key", "url\n"), "spec.database.connectionSecretRef.key",
            "'url\n' is not a valid Secret key (letters, digits, '-', '_' and '.')"),
        new("digest with a final newline", s => s.With("spec.image", "ghcr.io/example/shop@" + Sha + "\n"), "spec.image",
            $"'ghcr.io/example/shop@{Sha}\n' has a malformed digest: expected registry/repository@sha256:<64 lower-case hex digits>"),
        new("name with a final newline", s => s.With("metadata.name", "demo\n"), "metadata.name",
            "'demo\n' must be a DNS-1035 label of at most 59 characters (the shop's Services are named demo\n-web and demo\n-api)"),
        new("deadline zero", s => s.With("spec.rollout.progressDeadlineSeconds", 0), "spec.rollout.progressDeadlineSeconds", "must be between 1 and 86400"),
        new("autoRollback a string", s => s.With("spec.rollout.autoRollback", "yes"), "spec.rollout.autoRollback", "must be true or false"),
        new("suspend a string", s => s.With("spec.suspend", "true"), "spec.suspend", "must be true or false"),
        new("tls not an object", s => s.With("spec.tls", "on"), "spec.tls", "must be an object"),
        new("spec missing", s => s.Remove("spec"), "spec", "required"),
        new("proxy url without a port", s => s.With("spec.egress.proxy.url", "http://egress-proxy.proxy.svc"), "spec.egress.proxy.url", ProxySpec.UrlMessage),
        new("proxy url not http", s => s.With("spec.egress.proxy.url", "ftp://proxy:21"), "spec.egress.proxy.url", ProxySpec.UrlMessage),
        new("proxy url not a url", s => s.With("spec.egress.proxy.url", "egress-proxy:3128"), "spec.egress.proxy.url", ProxySpec.UrlMessage),
        new("proxy url missing", s => s.With("spec.egress.proxy.noProxy", new JsonArray("internal.example.com")), "spec.egress.proxy.url", "required"),
        new("proxy cidr and selector", s => s.With("spec.egress.proxy", new JsonObject
            {
                ["url"] = "http://proxy:3128",
                ["cidr"] = "10.8.0.5/32",
                ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "egress-proxy" } },
            }), "spec.egress.proxy", EgressSpec.CidrOrSelectorsMessage),
        new("proxy bad cidr", s => s.With("spec.egress.proxy", new JsonObject { ["url"] = "http://proxy:3128", ["cidr"] = "10.8.0.500/32" }),
            "spec.egress.proxy.cidr", "'10.8.0.500/32' is not a network in CIDR notation (e.g. 10.0.0.0/16)"),
        new("proxy noProxy entry with a comma", s => s.With("spec.egress.proxy", new JsonObject { ["url"] = "http://proxy:3128", ["noProxy"] = new JsonArray("a.example.com,b.example.com") }),
            "spec.egress.proxy.noProxy[0]", "'a.example.com,b.example.com' is not a NO_PROXY entry (a host, .domain.suffix, an IP or a CIDR: letters, digits, '-', '.', '*', ':', '/', '[' and ']', at most 253)"),
        new("name too long for its Services", s => s.With("metadata.name", new string('a', 60)), "metadata.name",
            $"'{new string('a', 60)}' must be a DNS-1035 label of at most 59 characters (the shop's Services are named {new string('a', 60)}-web and {new string('a', 60)}-api)"),
        new("name starting with a digit", s => s.With("metadata.name", "1shop"), "metadata.name",
            "'1shop' must be a DNS-1035 label of at most 59 characters (the shop's Services are named 1shop-web and 1shop-api)"),
    ];

    private static JsonObject Gateway() => new() { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "shared-gateway", ["namespace"] = "gateway-system" }) };

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void A_bad_spec_gets_exactly_its_field_and_message(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var shop = Specs.Valid();
        c.Break(shop);

        var errors = ShopInstanceValidator.Validate(shop);

        var error = Assert.Single(errors);
        Assert.Equal(c.Path, error.Path);
        Assert.Equal(c.Message, error.Message);
        Assert.Equal($"{c.Path}: {c.Message}", error.ToString());
    }

    [Theory]
    [InlineData("http://egress-proxy.proxy.svc.cluster.local:3128", 3128)]
    [InlineData("https://10.8.0.5:8443/", 8443)]
    [InlineData("http://user:pass@proxy:80", 80)]
    [InlineData("http://[fd00::5]:3128", 3128)]
    [InlineData("http://[fd00::5]", null)]
    [InlineData("http://proxy", null)]
    [InlineData("socks5://proxy:1080", null)]
    [InlineData("proxy:3128", null)]
    public void The_proxy_port_is_the_one_written_in_the_url(string url, int? port) =>
        Assert.Equal(port, ProxySpec.PortOf(url));

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("255.255.255.255")]
    [InlineData("010.001.002.003")]
    public void An_IPv4_host_is_refused_as_ValidateIngressSpec_does(string host) =>
        Assert.Contains(ShopInstanceValidator.Validate(Specs.Valid().With("spec.host", host)), e => e.Message.EndsWith("must be a DNS name, not an IP address", StringComparison.Ordinal));

    [Theory]
    [InlineData("1")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.4.example.com")]
    [InlineData("123.example")]
    public void A_DNS_name_made_of_digits_is_not_an_IP_address(string host) =>
        Assert.Empty(ShopInstanceValidator.Validate(Specs.Valid().With("spec.host", host)));

    [Theory]
    [InlineData("100m", "1")]
    [InlineData("1", "1")]
    [InlineData("1000m", "1")]
    [InlineData("128Mi", "256Mi")]
    [InlineData("1e3", "1k")]
    [InlineData("1G", "1Gi")]
    [InlineData("0.5", "500m")]
    public void Requests_at_most_the_limits_are_accepted(string request, string limit) =>
        Assert.Empty(ShopInstanceValidator.Validate(Specs.Valid().With("spec.web.resources", new JsonObject
        {
            ["requests"] = new JsonObject { ["memory"] = request },
            ["limits"] = new JsonObject { ["memory"] = limit },
        })));

    [Theory]
    [InlineData("^[a-z]+$", "abc", true)]
    [InlineData("^[a-z]+$", "abc\n", false)]
    [InlineData("^[$a-z]+$", "a$b", true)]
    [InlineData("^a\\$$", "a$", true)]
    [InlineData("^[]$a]+$", "]$a", true)]
    [InlineData("^\\d+$", "\u0661\u0662", false)]
    public void Patterns_are_matched_as_RE2_does(string pattern, string text, bool matches) =>
        Assert.Equal(matches, Re2.IsMatch(text, pattern));

    [Fact]
    public void A_valid_spec_has_no_errors_and_nulls_count_as_absent()
    {
        Assert.Empty(ShopInstanceValidator.Validate(Specs.Valid()));
        var withNulls = Specs.Valid().With("spec.tls", JsonValue.Create((string?)null)).With("spec.suspend", JsonValue.Create((string?)null));
        withNulls["spec"]!["tls"] = null;
        withNulls["spec"]!["web"] = null;
        Assert.Empty(ShopInstanceValidator.Validate(withNulls));
        Assert.False(ShopInstance.FromJson(withNulls).Spec.Suspend);
    }

    [Fact]
    public void Several_errors_are_all_reported_in_field_order()
    {
        var shop = Specs.Valid().With("spec.image", "shop:latest").With("spec.web.replicas", 500).With("spec.database.connectionSecretRef", null);

        var errors = ShopInstanceValidator.Validate(shop).Select(e => e.Path).ToList();

        Assert.Equal(["spec.image", "spec.web.replicas", "spec.database"], errors);
    }

    [Fact]
    public void Random_corruption_never_throws_and_is_always_reported()
    {
        var random = new Random(20261124);
        JsonNode?[] junk = [null, 0, -5, 1.5, "", "x", true, new JsonArray(1, "a"), new JsonObject { ["q"] = 1 }];
        string[] paths =
        [
            "spec.image", "spec.host", "spec.tls", "spec.tls.secretName", "spec.ingress", "spec.ingress.rateLimitPerSecond", "spec.web",
            "spec.web.replicas", "spec.api.resources", "spec.api.resources.limits", "spec.database", "spec.database.provision",
            "spec.database.egress", "spec.database.egress.cidr", "spec.database.egress.podSelector", "spec.rollout", "spec.rollout.autoRollback", "spec.suspend",
        ];
        for (var i = 0; i < 300; i++)
        {
            var shop = Specs.Random(random);
            var path = paths[random.Next(paths.Length)];
            shop.With(path, junk[random.Next(junk.Length)]?.DeepClone());

            var errors = ShopInstanceValidator.Validate(shop);
            if (errors.Count == 0)
            {
                // Accepted: then the typed model and the children must build.
                var typed = ShopInstance.FromJson(shop);
                Assert.NotEmpty(DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image));
            }
            else
            {
                Assert.All(errors, e => Assert.StartsWith("spec", e.Path, StringComparison.Ordinal));
                var planned = ShopPlanner.Plan(new PlanRequest(ParsedShop.Parse(shop), null, null, null, DateTimeOffset.UnixEpoch));
                Assert.True(planned.Invalid);
                Assert.Empty(planned.Children);
            }
        }
    }
}
