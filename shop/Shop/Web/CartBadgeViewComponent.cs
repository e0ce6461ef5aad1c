using Microsoft.AspNetCore.Mvc;

namespace Shop.Web;

/// <summary>The item count in the header; asks the api only when the shopper already has a cart.</summary>
public sealed class CartBadgeViewComponent(ShopApiClient api) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        if (CartCookie.Read(Request) is null)
        {
            return Content("0");
        }

        var cart = await api.GetCartAsync(HttpContext.RequestAborted);
        return Content(cart.Ok ? cart.Value!.ItemCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : "0");
    }
}
