namespace Shop.Hosting;

/// <summary>Marks an endpoint whose answer belongs to one shopper (cart, order): never stored by a cache.</summary>
public sealed class PrivateResponse
{
    public static readonly PrivateResponse Instance = new();

    private PrivateResponse()
    {
    }
}

/// <summary>
/// The app's own security headers, on every response it sends (errors included), so they hold behind any
/// ingress, not only behind the local nginx (which no longer sets them). HSTS only on https, as RFC 6797 asks.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

    public static Task ApplyAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.XFrameOptions = "DENY";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            if (http.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }

            if (http.GetEndpoint()?.Metadata.GetMetadata<PrivateResponse>() is not null)
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
