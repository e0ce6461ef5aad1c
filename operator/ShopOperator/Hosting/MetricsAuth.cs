using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ShopOperator.Hosting;

/// <summary>
/// Who may read /metrics, decided as kubebuilder v4's secure metrics server does (controller-runtime's
/// WithAuthenticationAndAuthorization filter): the bearer token is checked with a TokenReview, then the
/// user it names must be allowed <c>get</c> on the non-resource URL by a SubjectAccessReview (the
/// ClusterRole shop-operator-metrics-reader grants exactly that). The API server decides; nothing is cached.
/// </summary>
public sealed class MetricsAuthorizer
{
    private readonly IKubernetes _client;
    private readonly ILogger<MetricsAuthorizer> _logger;

    public MetricsAuthorizer(IKubernetes client, ILogger<MetricsAuthorizer> logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <summary>The HTTP status to answer with: 200 to serve, 401 without a valid token, 403 when not allowed, 503 when the API server cannot tell.</summary>
    public async Task<int> AuthorizeAsync(string? authorization, string path, CancellationToken ct)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            return StatusCodes.Status401Unauthorized;
        }

        try
        {
            var review = await _client.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview { Spec = new V1TokenReviewSpec { Token = authorization[scheme.Length..].Trim() } },
                cancellationToken: ct);
            if (review.Status?.Authenticated != true || review.Status.User is not { } user)
            {
                return StatusCodes.Status401Unauthorized;
            }

            var access = await _client.AuthorizationV1.CreateSubjectAccessReviewAsync(
                new V1SubjectAccessReview
                {
                    Spec = new V1SubjectAccessReviewSpec
                    {
                        User = user.Username,
                        Groups = user.Groups,
                        Uid = user.Uid,
                        Extra = user.Extra,
                        NonResourceAttributes = new V1NonResourceAttributes { Path = path, Verb = "get" },
                    },
                },
                cancellationToken: ct);
            if (access.Status?.Allowed == true)
            {
                return StatusCodes.Status200OK;
            }

            _logger.LogInformation("Refused /metrics to {User}: {Reason}", user.Username, access.Status?.Reason ?? "not allowed");
            return StatusCodes.Status403Forbidden;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or System.Text.Json.JsonException)
        {
            _logger.LogWarning("Cannot check a /metrics caller with the API server: {Error}", e.Message);
            return StatusCodes.Status503ServiceUnavailable;
        }
    }
}

/// <summary>
/// The metrics port's certificate: tls.crt/tls.key from <see cref="OperatorOptions.MetricsCertDir"/> when mounted
/// (re-read when the files change, so cert-manager's renewals apply without a restart), otherwise a self-signed
/// one made at start (Prometheus then scrapes with insecureSkipVerify, as kubebuilder's default ServiceMonitor does).
/// </summary>
public sealed class MetricsCertificate
{
    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly Lock _gate = new();
    private readonly X509Certificate2 _selfSigned;
    private (DateTime Written, X509Certificate2 Cert)? _mounted;

    public MetricsCertificate(string certDir, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _certFile = Path.Combine(certDir, "tls.crt");
        _keyFile = Path.Combine(certDir, "tls.key");
        _selfSigned = SelfSigned(time.GetUtcNow());
    }

    public bool Mounted => File.Exists(_certFile) && File.Exists(_keyFile);

    public X509Certificate2 Current()
    {
        if (!Mounted)
        {
            return _selfSigned;
        }

        lock (_gate)
        {
            var written = File.GetLastWriteTimeUtc(_certFile) > File.GetLastWriteTimeUtc(_keyFile)
                ? File.GetLastWriteTimeUtc(_certFile)
                : File.GetLastWriteTimeUtc(_keyFile);
            if (_mounted is not { } loaded || loaded.Written != written)
            {
                _mounted = (written, X509Certificate2.CreateFromPemFile(_certFile, _keyFile));
            }

            return _mounted.Value.Cert;
        }
    }

    private static X509Certificate2 SelfSigned(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=shop-operator-metrics", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("shop-operator-metrics");
        names.AddDnsName("shop-operator-metrics.shop-operator-system.svc");
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}
