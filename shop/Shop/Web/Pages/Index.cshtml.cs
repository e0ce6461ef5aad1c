using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;

namespace Shop.Web.Pages;

/// <summary>The catalog: category navigation, search and paging, all in the query string so pages are linkable.</summary>
public sealed class IndexModel(ShopApiClient api) : PageModel
{
    public const int PageSize = 12;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    /// <summary>
    /// From <c>?page=</c>, read by hand: Razor Pages reserves the route value <c>page</c> (the page's own path,
    /// "/Index"), and model binding prefers route values over the query string, so a bound property named
    /// <c>page</c> never saw the shopper's number.
    /// </summary>
    public int PageNumber { get; private set; } = 1;

    public IReadOnlyList<CategoryDto> Categories { get; private set; } = [];

    public PagedResult<ProductDto>? Products { get; private set; }

    public string? Problem { get; private set; }

    public int PageCount => Products is null ? 0 : (int)Math.Ceiling(Products.TotalCount / (double)PageSize);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Query = string.IsNullOrWhiteSpace(Query) ? null : Query.Trim()[..Math.Min(Query.Trim().Length, 100)];
        PageNumber = int.TryParse(Request.Query["page"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, 10_000)
            : 1;
        var categories = api.GetCategoriesAsync(ct);
        var products = api.GetProductsAsync(Query, Category, PageNumber, PageSize, ct);
        var c = await categories;
        var p = await products;
        Categories = c.Value ?? [];
        Products = p.Value;
        Problem = p.Problem ?? c.Problem;
    }

    public string PageUrl(int page)
    {
        var qs = QueryString.Empty;
        if (Query is not null)
        {
            qs = qs.Add("q", Query);
        }

        if (Category is not null)
        {
            qs = qs.Add("category", Category);
        }

        return "/" + qs.Add("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToUriComponent();
    }
}
