using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages.Products;

/// <summary>One product; its add-to-cart form works with JavaScript (fetch to /api) and without (this POST).</summary>
public sealed class DetailModel(ShopApiClient api) : PageModel
{
    public ProductDto? Product { get; private set; }

    public string? Problem { get; private set; }

    [BindProperty]
    [Range(1, 99, ErrorMessage = "Choose a quantity between 1 and 99.")]
    public int Quantity { get; set; } = 1;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        return await LoadAsync(id, ct) ? Page() : NotFoundPage();
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync(id, ct) ? Page() : NotFoundPage();
        }

        var added = await api.AddToCartAsync(id, Quantity, ct);
        if (added.Ok)
        {
            return Redirect("/cart");
        }

        Problem = added.Problem;
        return await LoadAsync(id, ct) ? Page() : NotFoundPage();
    }

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        var product = await api.GetProductAsync(id, ct);
        Product = product.Value;
        if (product.Status == HttpStatusCode.NotFound || (product.Problem is not null && (int)product.Status < 500 && product.Status != HttpStatusCode.TooManyRequests))
        {
            return false;
        }

        Problem ??= product.Problem;
        return true;
    }

    private PageResult NotFoundPage()
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        Problem = "This product does not exist.";
        return Page();
    }
}
