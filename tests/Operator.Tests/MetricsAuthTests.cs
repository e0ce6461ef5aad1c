using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ShopOperator.Hosting;

namespace Operator.Tests;

/// <summary>
/// Secure metrics as kubebuilder v4 serves them: HTTPS, a TokenReview of the bearer token and a SubjectAccessReview
/// for get on the non-resource URL /metrics. The emulator has no authentication API, so the reviews are answered
/// by a scripted API server (the informers still run against the emulator).
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class MetricsAuthTests(EmulatorFixture fixture)
{
    private async Task<(OperatorInstance Operator, ScriptedApiServer Reviews, Uri Metrics)> StartSecureAsync(string certDir)
    {
        var reviews = await ScriptedApiServer.StartAsync();
        var options = OperatorInstance.TestOptions() with
        {
            WatchNamespaces = [$"auth-{Guid.NewGuid().ToString("N")[..6]}"],
            MetricsSecure = true,
            MetricsPort = 0,
            MetricsCertDir = certDir,
        };
        var op = await OperatorInstance.StartAsync(
            fixture.Cluster.Config,
            options,
            overrides: services => services.AddSingleton(new MetricsAuthorizer(reviews.Client(), NullLogger<MetricsAuthorizer>.Instance)));
        var https = op.Addresses.Single(a => a.Scheme == "https");
        return (op, reviews, new Uri(https, "/metrics"));
    }

    private static HttpClient Client(Action<X509Certificate2>? onCertificate = null) => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
        {
            onCertificate?.Invoke(cert!);
            return true;
        },
    });

    [Fact]
    public async Task Only_a_token_the_API_server_authenticates_and_authorizes_for_get_metrics_is_served()
    {
        var (op, reviews, metrics) = await StartSecureAsync("/nonexistent/certs");
        await using var _ = op;
        await using var __ = reviews;
        X509Certificate2? served = null;
        using var http = Client(c => served = c);

        // No token: 401 without asking the API server.
        using (var anonymous = await http.GetAsync(metrics))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        Assert.Empty(reviews.Log);
        Assert.Equal("CN=shop-operator-metrics", served!.Subject);

        // Plain HTTP port: health yes, metrics no.
        using (var plain = new HttpClient { BaseAddress = op.HttpAddress })
        {
            Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        }

        // Allowed: TokenReview names the user, SubjectAccessReview for get /metrics says yes.
        var scrape = SendAsync(http, metrics, "prometheus-token");
        JsonObject? tokenReview = null, accessReview = null;
        await reviews.AnswerAsync(async c => tokenReview = await RespondAsync(c, """{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","status":{"authenticated":true,"user":{"username":"system:serviceaccount:monitoring:prometheus","uid":"u-1","groups":["system:serviceaccounts","system:serviceaccounts:monitoring"]}}}"""));
        await reviews.AnswerAsync(async c => accessReview = await RespondAsync(c, """{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":true}}"""));
        using (var allowed = await scrape)
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"shopinstance\"} 0", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("prometheus-token", (string?)tokenReview!["spec"]!["token"]);
        Assert.Equal("system:serviceaccount:monitoring:prometheus", (string?)accessReview!["spec"]!["user"]);
        Assert.Equal("u-1", (string?)accessReview["spec"]!["uid"]);
        Assert.Contains("system:serviceaccounts:monitoring", accessReview["spec"]!["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("/metrics", (string?)accessReview["spec"]!["nonResourceAttributes"]!["path"]);
        Assert.Equal("get", (string?)accessReview["spec"]!["nonResourceAttributes"]!["verb"]);
        Assert.Equal(
            ["POST /apis/authentication.k8s.io/v1/tokenreviews", "POST /apis/authorization.k8s.io/v1/subjectaccessreviews"],
            reviews.Log.ToArray());

        // Authenticated but not allowed: 403.
        scrape = SendAsync(http, metrics, "other-token");
        await reviews.AnswerAsync(c => RespondAsync(c, """{"status":{"authenticated":true,"user":{"username":"system:serviceaccount:default:nosy"}}}"""));
        await reviews.AnswerAsync(c => RespondAsync(c, """{"status":{"allowed":false,"reason":"no RBAC policy matched"}}"""));
        using (var forbidden = await scrape)
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        // A token the API server does not know: 401.
        scrape = SendAsync(http, metrics, "expired-token");
        await reviews.AnswerAsync(c => RespondAsync(c, """{"status":{"authenticated":false,"error":"token expired"}}"""));
        using (var unknown = await scrape)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        // The API server failing: 503, never a 500 or the metrics.
        scrape = SendAsync(http, metrics, "prometheus-token");
        await reviews.AnswerAsync(c =>
        {
            c.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        using (var failing = await scrape)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        }
    }

    [Fact]
    public async Task A_mounted_certificate_is_served_on_the_metrics_port()
    {
        var dir = Directory.CreateTempSubdirectory("metrics-certs-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=shop-operator-metrics.shop-operator-system.svc", key, HashAlgorithmName.SHA256);
            using var mounted = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), mounted.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "tls.key"), key.ExportPkcs8PrivateKeyPem());

            var (op, reviews, metrics) = await StartSecureAsync(dir);
            await using var _ = op;
            await using var __ = reviews;
            string? thumbprint = null;
            using var http = Client(c => thumbprint = c.Thumbprint);
            using var response = await http.GetAsync(metrics);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(mounted.Thumbprint, thumbprint);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, Uri metrics, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, metrics);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    private static async Task<JsonObject> RespondAsync(HttpContext context, string body)
    {
        var received = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
        return received;
    }
}
