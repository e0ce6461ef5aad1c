using Shop.Contracts;

namespace Shop.Web;

/// <summary>The api's anonymous cart cookie, which the web tier forwards but never reads or writes itself.</summary>
public static class CartCookie
{
    public const string Name = ApiConventions.CartCookieName;
}
