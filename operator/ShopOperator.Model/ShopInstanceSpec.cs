using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ShopOperator.Model;

/// <summary>What a ShopInstance asks for. The CRD schema is generated from these types (<see cref="CrdGenerator"/>).</summary>
[CelRule(ShopInstanceSpec.IngressOrGatewayRule, ShopInstanceSpec.IngressOrGatewayMessage)]
[CelRule(ShopInstanceSpec.TlsWithGatewayRule, ShopInstanceSpec.TlsWithGatewayMessage)]
[Doc("What the shop should be: the image digest both tiers run, where it is served, its database, and how it is rolled out.")]
public sealed record ShopInstanceSpec
{
    public const string IngressOrGatewayRule = "!(has(self.ingress) && has(self.gateway))";
    public const string IngressOrGatewayMessage = "set at most one of ingress and gateway: the shop is exposed either by an Ingress or by an HTTPRoute";
    public const string TlsWithGatewayRule = "!(has(self.tls) && has(self.gateway))";
    public const string TlsWithGatewayMessage = "tls cannot be set with gateway: with the Gateway API, TLS belongs to the Gateway's listener (certificateRefs of an HTTPS listener for this host); remove spec.tls";

    [Pattern(Patterns.DigestImage)]
    [MaxLength(ImageRule.MaxLength)]
    [CelRule(ImageRule.Rule, ImageRule.Message, MessageExpression = ImageRule.MessageExpression)]
    [Doc("The shop image by digest: registry/repository@sha256:<64 hex>. A tag is rejected: pin a digest (build once, deploy the same digest).")]
    public required string Image { get; init; }

    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("DNS name the Ingress or HTTPRoute serves (DNS-1123 subdomain).")]
    public required string Host { get; init; }

    [Doc("TLS for the Ingress; absent means plain HTTP.")]
    public TlsSpec? Tls { get; init; }

    [Doc("The Ingress in front of both tiers (/api to the api tier, / to the web tier); the default exposure when gateway is not set.")]
    public IngressSpec? Ingress { get; init; }

    [Doc("Expose the shop through the Gateway API instead of an Ingress: an HTTPRoute (gateway.networking.k8s.io/v1) attached to these Gateways. Not with ingress or tls.")]
    public GatewaySpec? Gateway { get; init; }

    [Doc("The storefront tier.")]
    public TierSpec? Web { get; init; }

    [Doc("The JSON /api tier; new digests reach it first.")]
    public TierSpec? Api { get; init; }

    [Doc("Where the api tier's database comes from: exactly one of connectionSecretRef and provision.")]
    public required DatabaseSpec Database { get; init; }

    [Doc("How a new spec.image is rolled out: api tier first, then web, rolled back on failure.")]
    public RolloutSpec? Rollout { get; init; }

    [Doc("Who may reach the shop and whom it may reach, beyond the database (NetworkPolicies); every field defaults to today's layout: ingress-nginx, kube-dns, a namespace named monitoring.")]
    public NetworkSpec? Network { get; init; }

    [Doc("Outbound traffic beyond the database and DNS: the NetworkPolicies deny it unless it goes through the forward proxy named here.")]
    public OutboundSpec? Egress { get; init; }

    [Default(false)]
    [Doc("Stop reconciling without deleting anything (incident response, GitOps pauses); freezes rollouts too.")]
    public bool Suspend { get; init; }
}

public sealed record TlsSpec
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("Secret holding the certificate (existing, or issued by cert-manager when clusterIssuer is set).")]
    public string? SecretName { get; init; }

    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("cert-manager ClusterIssuer: adds the cert-manager.io/cluster-issuer annotation to the Ingress.")]
    public string? ClusterIssuer { get; init; }
}

public sealed record IngressSpec
{
    [Default(Defaults.IngressClassName)]
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("The IngressClass that serves the shop (ingressClassName).")]
    public string? ClassName { get; init; }

    [Default(0)]
    [Range(0, 100_000)]
    [Doc("Requests per second per client IP (ingress-nginx limit-rps); 0 = no limit.")]
    public int? RateLimitPerSecond { get; init; }
}

[CelRule(GatewaySpec.ParentRefsRule, GatewaySpec.ParentRefsMessage)]
public sealed record GatewaySpec
{
    public const string ParentRefsRule = "size(self.parentRefs) > 0";
    public const string ParentRefsMessage = "name at least one Gateway in parentRefs";

    [MaxItems(32)]
    [Doc("The Gateways (or their listeners) the HTTPRoute attaches to: the Gateway API's ParentReference (kind Gateway).")]
    public required IReadOnlyList<ParentReference> ParentRefs { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for the Gateway's data-plane pods, for the NetworkPolicy ingress peer (with the Gateway's namespace) when spec.network.ingressFrom is not set.")]
    public JsonObject? PodSelector { get; init; }
}

[Doc("A Gateway the HTTPRoute attaches to (Gateway API ParentReference, kind Gateway).")]
public sealed record ParentReference
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("The Gateway's name.")]
    public required string Name { get; init; }

    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    [Doc("The Gateway's namespace; default: the shop's. Its listener must allow routes from the shop's namespace (allowedRoutes).")]
    public string? Namespace { get; init; }

    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("The listener of the Gateway to attach to (its name); default: every listener that accepts the route.")]
    public string? SectionName { get; init; }

    [Range(1, 65535)]
    [Doc("Attach only to the Gateway's listeners on this port.")]
    public int? Port { get; init; }
}

public sealed record TierSpec
{
    [Range(0, 100)]
    [Doc("Pods of this tier; more than one also gets a PodDisruptionBudget (maxUnavailable 1). Unset: the operator does not manage the count, so a HorizontalPodAutoscaler (or kubectl scale) owns it; a new Deployment starts with 1, and the tier gets a PodDisruptionBudget.")]
    public int? Replicas { get; init; }

    [Doc("Container resources; defaults: requests cpu 100m, memory 128Mi; limits cpu 1, memory 256Mi.")]
    public ResourcesSpec? Resources { get; init; }

    [Doc("The tier's ServiceAccount (named <shop>-<tier>).")]
    public ServiceAccountSpec? ServiceAccount { get; init; }
}

public sealed record ServiceAccountSpec
{
    [Doc("Annotations for the tier's ServiceAccount, for a cloud identity: eks.amazonaws.com/role-arn (EKS IRSA), iam.gke.io/gcp-service-account (GKE Workload Identity), azure.workload.identity/client-id.")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record ResourcesSpec
{
    [Doc("Resources the scheduler reserves per pod (cpu, memory, ephemeral-storage, hugepages-<size>, extended resources); each at most its limit.")]
    public IReadOnlyDictionary<string, Quantity>? Requests { get; init; }

    [Doc("The most a pod may use, by resource name; a request without a limit for an extended resource is refused.")]
    public IReadOnlyDictionary<string, Quantity>? Limits { get; init; }
}

[CelRule(DatabaseSpec.ExactlyOneRule, DatabaseSpec.ExactlyOneMessage)]
[Doc("Where the api tier's database comes from: exactly one of connectionSecretRef and provision.")]
public sealed record DatabaseSpec
{
    public const string ExactlyOneRule = "has(self.connectionSecretRef) != has(self.provision)";
    public const string ExactlyOneMessage = "set exactly one of connectionSecretRef and provision";

    [Doc("An existing Secret with the connection: an Npgsql connection string or a postgresql:// URI under key (e.g. for RDS, or the uri key of CloudNativePG's and Crunchy's Secrets), or with format Fields one key per field (host, port, dbname, user or username, password, sslmode).")]
    public SecretKeyRef? ConnectionSecretRef { get; init; }

    [Doc("The operator creates a role and a database on the server named by adminSecretRef.")]
    public ProvisionSpec? Provision { get; init; }

    [Doc("Where the api tier may connect to the database (NetworkPolicy egress): a cidr, or pod/namespace selectors; absent allows any destination on the database ports.")]
    public EgressSpec? Egress { get; init; }
}

public sealed record SecretKeyRef
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("The Secret's name, in the shop's namespace.")]
    public required string Name { get; init; }

    [Default(Defaults.ConnectionStringKey)]
    [Pattern(Patterns.SecretKey)]
    [MaxLength(253)]
    [Doc("The key holding the connection string (an Npgsql connection string or a postgresql:// URI); not used with format Fields.")]
    public string? Key { get; init; }

    [Doc("ConnectionString (default): key holds an Npgsql connection string or a postgresql:// URI. Fields: one key per field, as CloudNativePG's <cluster>-app and Crunchy PGO's <cluster>-pguser-<user> Secrets have them: host, dbname, password, user or username, and optionally port (default 5432) and sslmode.")]
    public ConnectionSecretFormat? Format { get; init; }
}

/// <summary>How a connection Secret holds the database connection (spec.database.connectionSecretRef.format).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionSecretFormat>))]
public enum ConnectionSecretFormat
{
    ConnectionString,
    Fields,
}

public sealed record LocalObjectRef
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("The object's name, in the shop's namespace.")]
    public required string Name { get; init; }
}

public sealed record ProvisionSpec
{
    [Doc("Secret with admin access to the PostgreSQL server; keys host, port, username, password, [sslmode], [database].")]
    public required LocalObjectRef AdminSecretRef { get; init; }

    [Default(nameof(Model.DeletionPolicy.Retain))]
    [Doc("Delete drops the database and role when the ShopInstance is deleted; Retain never touches PostgreSQL.")]
    public DeletionPolicy? DeletionPolicy { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<DeletionPolicy>))]
public enum DeletionPolicy
{
    Retain,
    Delete,
}

[CelRule(EgressSpec.CidrOrSelectorsRule, EgressSpec.CidrOrSelectorsMessage)]
public sealed record EgressSpec
{
    public const string CidrOrSelectorsRule = "!has(self.cidr) || (!has(self.podSelector) && !has(self.namespaceSelector))";
    public const string CidrOrSelectorsMessage = "set either cidr or podSelector/namespaceSelector, not both";

    [Doc("IPv4 or IPv6 network in CIDR notation, e.g. 10.0.0.0/16.")]
    [MaxLength(64)]
    public string? Cidr { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for the database pods.")]
    public JsonObject? PodSelector { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for the database's namespace.")]
    public JsonObject? NamespaceSelector { get; init; }

    [MaxItems(8)]
    [Doc("Database TCP ports. Default: the port of the connection (the connection string's Port, or the admin Secret's port key with provision), else 5432.")]
    public IReadOnlyList<PortNumber>? Ports { get; init; }
}

public sealed record OutboundSpec
{
    [Doc("A forward proxy for the tiers' outbound HTTP(S): both tiers get HTTP_PROXY, HTTPS_PROXY and NO_PROXY (and the lower-case forms), and may reach the proxy's port only.")]
    public ProxySpec? Proxy { get; init; }
}

[CelRule(EgressSpec.CidrOrSelectorsRule, EgressSpec.CidrOrSelectorsMessage)]
public sealed record ProxySpec
{
    public const int UrlMaxLength = 2048;
    public const string UrlRule = "isURL(self) && (url(self).getScheme() == 'http' || url(self).getScheme() == 'https') && url(self).getHostname() != '' && url(self).getPort() != ''";
    public const string UrlMessage = "must be an http:// or https:// URL with a host and a port, e.g. http://egress-proxy.proxy.svc.cluster.local:3128";

    [MaxLength(UrlMaxLength)]
    [CelRule(UrlRule, UrlMessage)]
    [Doc("The proxy's URL, with scheme http or https, host and port: http://egress-proxy.proxy.svc.cluster.local:3128.")]
    public required string Url { get; init; }

    [MaxItems(32)]
    [Doc("Hosts reached directly, besides the api Service and the cluster-local suffixes the operator always adds (NO_PROXY entries: a host, .domain.suffix, an IP or a CIDR).")]
    public IReadOnlyList<string>? NoProxy { get; init; }

    [Doc("IPv4 or IPv6 network of the proxy in CIDR notation, e.g. 10.0.0.0/16.")]
    [MaxLength(64)]
    public string? Cidr { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for the proxy's pods.")]
    public JsonObject? PodSelector { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for the proxy's namespace.")]
    public JsonObject? NamespaceSelector { get; init; }

    /// <summary>
    /// The C# twin of <see cref="UrlRule"/>: the URL's port, or null when it is not an absolute http(s) URL
    /// with a host and an explicit port (the port the NetworkPolicy admits, so it must be written out).
    /// </summary>
    public static int? PortOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return null;
        }

        // Uri drops a default port it was given (http://proxy:80): read the authority as written.
        var start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = url[start..(end < 0 ? url.Length : end)];
        var hostPort = authority[(authority.LastIndexOf('@') + 1)..];
        var colon = hostPort.LastIndexOf(':');
        return colon > hostPort.LastIndexOf(']')
            && int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535 ? port : null;
    }
}

/// <summary>A TCP or UDP port number (1-65535).</summary>
[JsonConverter(typeof(PortNumberConverter))]
public readonly record struct PortNumber(int Value)
{
    public static implicit operator PortNumber(int value) => new(value);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class PortNumberConverter : JsonConverter<PortNumber>
{
    public override PortNumber Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) => new(reader.GetInt32());

    public override void Write(System.Text.Json.Utf8JsonWriter writer, PortNumber value, System.Text.Json.JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.Value);
    }
}

[Doc("NetworkPolicy peers and ports for the cluster's layout. A list left out keeps the default; an empty list allows nobody.")]
public sealed record NetworkSpec
{
    [MaxItems(16)]
    [Doc("Who may reach both tiers' http port (the Ingress controller). Default: pods in the namespace ingress-nginx. Traefik: namespace kube-system and its pod labels; cloud load balancers in IP mode or host-network controllers: their cidr.")]
    public IReadOnlyList<NetworkPeer>? IngressFrom { get; init; }

    [Doc("Where the tiers resolve names. Default: pods labelled k8s-app=kube-dns in any namespace, port 53.")]
    public DnsSpec? Dns { get; init; }

    [MaxItems(16)]
    [Doc("Who may scrape both tiers' metrics port. Default: pods in the namespace monitoring.")]
    public IReadOnlyList<NetworkPeer>? MonitoringFrom { get; init; }

    [MaxItems(32)]
    [Doc("Networks (CIDR) whose X-Forwarded-For and X-Forwarded-Proto both tiers believe (SHOP_TRUSTED_NETWORKS): the ingress controller's or Gateway's pods. Default: the private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 and fc00::/7, since the NetworkPolicies admit only the ingress path to the http port; an empty list trusts loopback only.")]
    public IReadOnlyList<string>? TrustedProxyCIDRs { get; init; }
}

public sealed record DnsSpec
{
    [MaxItems(16)]
    [Doc("DNS servers: pod/namespace selectors, or a cidr such as NodeLocal DNSCache's 169.254.20.10/32. Default: pods labelled k8s-app=kube-dns in any namespace.")]
    public IReadOnlyList<NetworkPeer>? To { get; init; }

    [MaxItems(4)]
    [Doc("Ports the DNS servers' pods listen on, allowed for UDP and TCP (a policy sees the pod's port: 5353 on OpenShift). Default: 53.")]
    public IReadOnlyList<PortNumber>? Ports { get; init; }
}

[CelRule(NetworkPeer.CidrOrSelectorsRule, NetworkPeer.CidrOrSelectorsMessage)]
[Doc("One NetworkPolicy peer: a cidr, or a namespaceSelector and/or podSelector (both: pods matching podSelector in namespaces matching namespaceSelector; podSelector alone: the shop's own namespace).")]
public sealed record NetworkPeer
{
    public const string CidrOrSelectorsRule = "has(self.cidr) != (has(self.namespaceSelector) || has(self.podSelector))";
    public const string CidrOrSelectorsMessage = "set either cidr or namespaceSelector/podSelector";

    [MaxLength(64)]
    [Doc("IPv4 or IPv6 network in CIDR notation, e.g. 10.0.0.0/16 (ipBlock).")]
    public string? Cidr { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for namespaces ({} selects all).")]
    public JsonObject? NamespaceSelector { get; init; }

    [PreserveUnknownFields]
    [Doc("A Kubernetes label selector for pods.")]
    public JsonObject? PodSelector { get; init; }
}

public sealed record RolloutSpec
{
    [Default(true)]
    [Doc("On failure, both tiers go back to the last digest that served.")]
    public bool? AutoRollback { get; init; }

    [Default(Defaults.ProgressDeadlineSeconds)]
    [Range(1, 86_400)]
    [Doc("A rollout that has not finished after this many seconds fails (also the Deployments' progressDeadlineSeconds).")]
    public int? ProgressDeadlineSeconds { get; init; }
}

/// <summary>Defaults the schema declares; the operator applies the same ones when a server did not.</summary>
public static class Defaults
{
    public const string IngressClassName = "nginx";
    public const string ConnectionStringKey = "connectionString";
    public const int ProgressDeadlineSeconds = 600;
}

/// <summary>
/// The image rule as CEL, so a tag gets a message that says what to do rather than the raw pattern: the
/// messageExpression and <see cref="ShopInstanceValidator"/> (its C# twin, <see cref="For"/>) say the same.
/// </summary>
public static class ImageRule
{
    /// <summary>A reference is at most 255 characters (distribution's NameTotalLengthMax) plus @sha256:&lt;64 hex&gt;; also bounds the CEL cost.</summary>
    public const int MaxLength = 512;

    public const string Rule = "self.matches('" + Patterns.DigestImage + "')";
    public const string Message = "must be pinned to a digest: registry/repository@sha256:<64 hex>";
    public const string Malformed = " has a malformed digest: expected registry/repository@sha256:<64 lower-case hex digits>";
    public const string Tag = " names a tag, not a digest: pin a digest: registry/repository@sha256:<64 hex> (build once, deploy the same digest)";
    public const string Unpinned = " is not pinned to a digest: pin a digest: registry/repository@sha256:<64 hex> (build once, deploy the same digest)";

    public const string MessageExpression = "\"'\" + self + \"'\" + (self.contains('@') ? \"" + Malformed + "\" : self.substring(self.lastIndexOf('/') + 1).contains(':') ? \"" + Tag + "\" : \"" + Unpinned + "\")";

    /// <summary>What <see cref="MessageExpression"/> evaluates to for <paramref name="image"/>, step by step the same.</summary>
    public static string For(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var afterLastSlash = image[(image.LastIndexOf('/') + 1)..];
        return "'" + image + "'" + (image.Contains('@', StringComparison.Ordinal) ? Malformed : afterLastSlash.Contains(':', StringComparison.Ordinal) ? Tag : Unpinned);
    }
}

public static class Patterns
{
    /// <summary>registry[:port]/repository@sha256:&lt;64 hex&gt;, lower case as registries and RE2 both accept.</summary>
    public const string DigestImage = "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[a-f0-9]{64}$";

    public const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    public const string DnsSubdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>A Secret data key.</summary>
    public const string SecretKey = "^[-._a-zA-Z0-9]+$";
}
