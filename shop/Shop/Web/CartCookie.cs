using Shop.Contracts;

namespace Shop.Web;

/// <summary>The api's anonymous cart cookie, which the web tier forwards but never issues itself.</summary>
public static class CartCookie
{
    public const string Name = ApiConventions.CartCookieName;

    /// <summary>
    /// The shopper's cart id when it has the shape the api issues (32 hex characters), else null. Anything
    /// else (control characters, non-ASCII, junk) is never forwarded: it could not be put in a header, and the
    /// api would not adopt it anyway.
    /// </summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ApiConventions.IsCartId(request.Cookies[Name]) ? request.Cookies[Name] : null;
    }
}
