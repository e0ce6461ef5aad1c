using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Shop.Hosting;

namespace Shop.Web;

/// <summary>The web role: the server-rendered storefront (Razor Pages under Web/Pages), the api's client.</summary>
public static class WebTier
{
    public static WebApplicationBuilder AddWebTier(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var apiUrl = builder.Configuration["SHOP_API_URL"];
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var apiBase) || apiBase.Scheme is not ("http" or "https"))
        {
            throw new ShopConfigurationException("SHOP_API_URL must be an absolute http(s) URL, e.g. http://shop-api:8080");
        }

        // Relative api paths must resolve under the base, whatever its path.
        apiBase = new Uri(apiBase.AbsoluteUri.TrimEnd('/') + "/");

        builder.Services.AddRazorPages(o => o.RootDirectory = "/Web/Pages")
            .AddMvcOptions(o => o.Filters.Add(new ApiOutage()));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMemoryCache();
        builder.Services.AddHttpClient<ShopApiClient>(c =>
            {
                c.BaseAddress = apiBase;
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Cookies are forwarded per shopper by hand; a shared cookie container would mix carts.
                UseCookies = false,
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(3),
            })
            // Two log lines per api call at Information would dominate the web tier's logs and CPU.
            .RemoveAllLoggers();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "shop_af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // The app sends X-Frame-Options on every response itself (Hosting/SecurityHeaders): not twice.
            o.SuppressXFrameOptionsHeader = true;
        });

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("shop-web");
        var secret = builder.Configuration["SHOP_DATA_PROTECTION_KEY"];
        var key = SharedKeyXmlRepository.TryDecodeSecret(secret);
        if (key is not null)
        {
            builder.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = new SharedKeyXmlRepository(key));
            dataProtection.DisableAutomaticKeyGeneration();
        }
        else if (!string.IsNullOrWhiteSpace(secret))
        {
            throw new ShopConfigurationException("SHOP_DATA_PROTECTION_KEY must be base64 of at least 32 bytes");
        }
        else
        {
            // One replica only: tokens die with the process.
            dataProtection.UseEphemeralDataProtectionProvider();
        }

        builder.Services.AddHealthChecks().AddCheck<ApiReadyHealthCheck>("api", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapWebTier(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.UseExceptionHandler("/error");
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
        app.MapRazorPages();
        return app;
    }
}
