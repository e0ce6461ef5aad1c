using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ShopOperator.Model;

/// <summary>What a ShopInstance asks for. The CRD schema is generated from these types (<see cref="CrdGenerator"/>).</summary>
public sealed record ShopInstanceSpec
{
    [Pattern(Patterns.DigestImage)]
    [MaxLength(ImageRule.MaxLength)]
    [CelRule(ImageRule.Rule, ImageRule.Message, MessageExpression = ImageRule.MessageExpression)]
    [Doc("The shop image by digest: registry/repository@sha256:<64 hex>. A tag is rejected: pin a digest (build once, deploy the same digest).")]
    public required string Image { get; init; }

    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [Doc("DNS name the Ingress serves (DNS-1123 subdomain).")]
    public required string Host { get; init; }

    [Doc("TLS for the Ingress; absent means plain HTTP.")]
    public TlsSpec? Tls { get; init; }

    public IngressSpec? Ingress { get; init; }

    [Doc("The storefront tier.")]
    public TierSpec? Web { get; init; }

    [Doc("The JSON /api tier; new digests reach it first.")]
    public TierSpec? Api { get; init; }

    public required DatabaseSpec Database { get; init; }

    public RolloutSpec? Rollout { get; init; }

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
    public string? ClassName { get; init; }

    [Default(0)]
    [Range(0, 100_000)]
    [Doc("Requests per second per client IP (ingress-nginx limit-rps); 0 = no limit.")]
    public int? RateLimitPerSecond { get; init; }
}

public sealed record TierSpec
{
    [Default(Defaults.Replicas)]
    [Range(0, 100)]
    public int? Replicas { get; init; }

    [Doc("Container resources; defaults: requests cpu 100m, memory 128Mi; limits cpu 1, memory 256Mi.")]
    public ResourcesSpec? Resources { get; init; }
}

public sealed record ResourcesSpec
{
    public IReadOnlyDictionary<string, Quantity>? Requests { get; init; }

    public IReadOnlyDictionary<string, Quantity>? Limits { get; init; }
}

[CelRule(DatabaseSpec.ExactlyOneRule, DatabaseSpec.ExactlyOneMessage)]
[Doc("Where the api tier's database comes from: exactly one of connectionSecretRef and provision.")]
public sealed record DatabaseSpec
{
    public const string ExactlyOneRule = "has(self.connectionSecretRef) != has(self.provision)";
    public const string ExactlyOneMessage = "set exactly one of connectionSecretRef and provision";

    [Doc("An existing Secret holding the Npgsql connection string (e.g. for RDS).")]
    public SecretKeyRef? ConnectionSecretRef { get; init; }

    [Doc("The operator creates a role and a database on the server named by adminSecretRef.")]
    public ProvisionSpec? Provision { get; init; }

    [Doc("Where the api tier may connect on 5432 (NetworkPolicy egress).")]
    public EgressSpec? Egress { get; init; }
}

public sealed record SecretKeyRef
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public required string Name { get; init; }

    [Default(Defaults.ConnectionStringKey)]
    [Pattern(Patterns.SecretKey)]
    [MaxLength(253)]
    public string? Key { get; init; }
}

public sealed record LocalObjectRef
{
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
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
    public const int Replicas = 2;
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

    public const string DnsSubdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>A Secret data key.</summary>
    public const string SecretKey = "^[-._a-zA-Z0-9]+$";
}
