using System.Security.Cryptography;
using Shop.Contracts;

namespace Shop.Api;

/// <summary>The anonymous cart cookie (see Contracts/ApiContracts.cs for the browser/web-tier contract).</summary>
public static class CartSession
{
    public static Guid? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Cookies[ApiConventions.CartCookieName];
        return value is { Length: 32 } && Guid.TryParseExact(value, "N", out var id) ? id : null;
    }

    /// <summary>A random 128-bit id (not a v4 Guid: all 128 bits from the CSPRNG).</summary>
    public static Guid NewId() => new(RandomNumberGenerator.GetBytes(16));

    public static void Write(HttpContext context, Guid id)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(ApiConventions.CartCookieName, id.ToString("N"), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromDays(30),
            IsEssential = true,
        });
    }
}
