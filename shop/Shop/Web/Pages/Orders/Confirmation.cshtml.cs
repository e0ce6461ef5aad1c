using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages.Orders;

/// <summary>Order confirmation; the api answers 404 to anyone but the cart that placed the order.</summary>
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class ConfirmationModel(ShopApiClient api) : PageModel
{
    public OrderDto? Order { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var order = await api.GetOrderAsync(id, ct);
        Order = order.Value;
        if (!order.Ok)
        {
            Problem = order.Status == System.Net.HttpStatusCode.NotFound ? "We could not find this order." : order.Problem;
            Response.StatusCode = order.Status == System.Net.HttpStatusCode.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status503ServiceUnavailable;
        }

        return Page();
    }
}
