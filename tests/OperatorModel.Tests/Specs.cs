using System.Globalization;
using System.Text.Json.Nodes;

namespace OperatorModel.Tests;

/// <summary>ShopInstances for the tests: a valid base and a seeded generator of many valid variants.</summary>
public static class Specs
{
    public const string DigestA = "ghcr.io/example/shop@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string DigestB = "ghcr.io/example/shop@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    public const string DigestC = "ghcr.io/example/shop@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    public static JsonObject Valid(string name = "demo", string image = DigestA) => new()
    {
        ["apiVersion"] = "shop.example.com/v1alpha1",
        ["kind"] = "ShopInstance",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "shop-dev", ["uid"] = "0b0c4f1e-0000-4000-8000-000000000001", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["image"] = image,
            ["host"] = "shop.example.com",
            ["database"] = new JsonObject { ["connectionSecretRef"] = new JsonObject { ["name"] = "shop-db" } },
        },
    };

    /// <summary>A valid ShopInstance drawn from <paramref name="random"/>: every optional part present or not.</summary>
    public static JsonObject Random(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        string Pick(params string[] values) => values[random.Next(values.Length)];
        string Hex(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => "0123456789abcdef"[random.Next(16)]));
        string Label(int max) => Pick("a", "b", "shop", "x") + Hex(random.Next(0, max));

        var name = Label(20) + (random.Next(3) == 0 ? "-" + Label(8) : "");
        var image = $"{Pick("ghcr.io", "registry.example.com:5000", "docker.io", "quay.io")}/{Pick("example", "team-a")}/{Pick("shop", "shop.web", "my_shop")}@sha256:{Hex(64)}";
        var spec = new JsonObject
        {
            ["image"] = image,
            ["host"] = string.Join('.', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Label(10))),
        };
        if (random.Next(2) == 0)
        {
            var tls = new JsonObject();
            if (random.Next(2) == 0)
            {
                tls["secretName"] = Label(10) + "-tls";
            }

            if (random.Next(2) == 0)
            {
                tls["clusterIssuer"] = Pick("letsencrypt-prod", "letsencrypt-staging");
            }

            spec["tls"] = tls;
        }

        if (random.Next(2) == 0)
        {
            spec["ingress"] = new JsonObject { ["className"] = Pick("nginx", "internal-nginx"), ["rateLimitPerSecond"] = random.Next(0, 200) };
        }

        foreach (var tier in new[] { "web", "api" })
        {
            if (random.Next(3) == 0)
            {
                continue;
            }

            var tierSpec = new JsonObject();
            if (random.Next(4) != 0)
            {
                // Unset a quarter of the time: the count is then an HPA's.
                tierSpec["replicas"] = int.Parse(Pick("0", "1", "2", "3", "10", "100"), CultureInfo.InvariantCulture);
            }

            if (random.Next(2) == 0)
            {
                tierSpec["resources"] = new JsonObject
                {
                    ["requests"] = new JsonObject { ["cpu"] = Pick("100m", "250m", "1"), ["memory"] = Pick("128Mi", "256Mi") },
                    ["limits"] = new JsonObject { ["cpu"] = random.Next(1, 4), ["memory"] = Pick("256Mi", "2Gi") },
                };
            }

            spec[tier] = tierSpec;
        }

        var database = new JsonObject();
        if (random.Next(2) == 0)
        {
            database["connectionSecretRef"] = new JsonObject { ["name"] = Label(10), ["key"] = Pick("connectionString", "url", "DB_URL", "uri") };
            if (random.Next(3) == 0)
            {
                // A key-per-field Secret (CloudNativePG, Crunchy): key is then not read.
                database["connectionSecretRef"]!["format"] = Pick("Fields", "ConnectionString");
            }
        }
        else
        {
            var provision = new JsonObject { ["adminSecretRef"] = new JsonObject { ["name"] = "pg-admin" } };
            if (random.Next(2) == 0)
            {
                provision["deletionPolicy"] = Pick("Retain", "Delete");
            }

            database["provision"] = provision;
        }

        switch (random.Next(4))
        {
            case 0:
                database["egress"] = new JsonObject { ["cidr"] = Pick("10.0.0.0/16", "192.168.1.0/24", "fd00::/8") };
                break;
            case 1:
                database["egress"] = new JsonObject
                {
                    ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "postgres" } },
                    ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "db" } },
                };
                break;
        }

        if (database["egress"] is JsonObject egressPorts && random.Next(2) == 0)
        {
            egressPorts["ports"] = new JsonArray(Pick("5432", "6432", "25060") is var port ? int.Parse(port, CultureInfo.InvariantCulture) : 5432);
        }

        if (random.Next(2) == 0)
        {
            JsonObject Peer() => random.Next(3) switch
            {
                0 => new JsonObject { ["cidr"] = Pick("10.0.0.0/8", "169.254.20.10/32", "fd00::/8") },
                1 => new JsonObject { ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = Label(8) } } },
                _ => new JsonObject
                {
                    ["namespaceSelector"] = new JsonObject(),
                    ["podSelector"] = new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "app", ["operator"] = "In", ["values"] = new JsonArray(Label(6)) }) },
                },
            };
            JsonArray Peers() => new([.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Peer())]);
            var network = new JsonObject();
            if (random.Next(2) == 0)
            {
                network["ingressFrom"] = Peers();
            }

            if (random.Next(2) == 0)
            {
                network["dns"] = new JsonObject { ["to"] = Peers(), ["ports"] = new JsonArray(53, 5353) };
            }

            if (random.Next(2) == 0)
            {
                network["monitoringFrom"] = Peers();
            }

            if (random.Next(2) == 0)
            {
                network["trustedProxyCIDRs"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => (JsonNode)Pick("10.244.0.0/16", "192.168.0.0/16", "fd00:10:244::/56"))]);
            }

            spec["network"] = network;
        }

        spec["database"] = database;
        if (random.Next(2) == 0)
        {
            spec["rollout"] = new JsonObject { ["autoRollback"] = random.Next(2) == 0, ["progressDeadlineSeconds"] = random.Next(1, 3600) };
        }

        if (random.Next(4) == 0)
        {
            spec["suspend"] = false;
        }

        if (random.Next(3) == 0)
        {
            var proxy = new JsonObject { ["url"] = Pick("http://egress-proxy.proxy.svc.cluster.local:3128", "https://10.8.0.5:8443", "http://[fd00::5]:3128") };
            if (random.Next(2) == 0)
            {
                proxy["noProxy"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => (JsonNode)Pick("internal.example.com", ".corp.example.com", "10.0.0.0/8", name + "-api"))]);
            }

            switch (random.Next(3))
            {
                case 0:
                    proxy["cidr"] = Pick("10.8.0.5/32", "fd00::5/128");
                    break;
                case 1:
                    proxy["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "egress-proxy" } };
                    break;
            }

            spec["egress"] = new JsonObject { ["proxy"] = proxy };
        }

        return new JsonObject
        {
            ["apiVersion"] = "shop.example.com/v1alpha1",
            ["kind"] = "ShopInstance",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns-" + Hex(6), ["uid"] = Guid.NewGuid().ToString(), ["generation"] = random.Next(1, 50) },
            ["spec"] = spec,
        };
    }

    /// <summary>Sets (or with null removes) the value at a dotted path under the object, creating objects on the way.</summary>
    public static JsonObject With(this JsonObject shop, string path, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(shop);
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split('.');
        var node = shop;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject next)
            {
                next = [];
                node[part] = next;
            }

            node = next;
        }

        if (value is null)
        {
            node.Remove(parts[^1]);
        }
        else
        {
            node[parts[^1]] = value;
        }

        return shop;
    }
}
