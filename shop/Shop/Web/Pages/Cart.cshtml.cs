using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages;

/// <summary>The cart: change quantities and remove lines with plain forms (antiforgery-protected).</summary>
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class CartModel(ShopApiClient api) : PageModel
{
    public CartDto? Cart { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostQuantityAsync(long productId, int quantity, CancellationToken ct)
    {
        var result = quantity <= 0
            ? await api.RemoveAsync(productId, ct)
            : await api.SetQuantityAsync(productId, quantity, ct);
        if (result.Ok)
        {
            return Redirect("/cart");
        }

        Problem = result.Problem;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(long productId, CancellationToken ct)
    {
        var result = await api.RemoveAsync(productId, ct);
        if (result.Ok)
        {
            return Redirect("/cart");
        }

        Problem = result.Problem;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (CartCookie.Read(Request) is null)
        {
            return;
        }

        var cart = await api.GetCartAsync(ct);
        Cart = cart.Value;
        Problem ??= cart.Status == System.Net.HttpStatusCode.NotFound ? null : cart.Problem;
    }
}
