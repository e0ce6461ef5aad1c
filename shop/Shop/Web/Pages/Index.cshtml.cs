using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shop.Contracts;

namespace Shop.Web.Pages;

/// <summary>
/// The catalog: category navigation, search and paging, all in the query string so pages are linkable.
/// Next and Previous follow the api's cursors (<c>?after=</c>, <c>?before=</c>), so a deep page costs what the
/// first one does; <c>?page=N</c> still opens a numbered page (up to the api's limit).
/// </summary>
public sealed class IndexModel(ShopApiClient api) : PageModel
{
    public const int PageSize = 12;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Before { get; set; }

    /// <summary>
    /// From <c>?page=</c>, read by hand: Razor Pages reserves the route value <c>page</c> (the page's own path,
    /// "/Index"), and model binding prefers route values over the query string, so a bound property named
    /// <c>page</c> never saw the shopper's number.
    /// </summary>
    public int RequestedPage { get; private set; } = 1;

    public IReadOnlyList<CategoryDto> Categories { get; private set; } = [];

    public ProductPage? Products { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>"1 product", "1,234 products", "200+ products".</summary>
    public string CountText => Products is null
        ? ""
        : Products.TotalIsLowerBound
            ? $"{Products.TotalCount.ToString("N0", CultureInfo.InvariantCulture)}+ products (showing the first {Products.TotalCount.ToString("N0", CultureInfo.InvariantCulture)}; add words to narrow the search)"
            : $"{Products.TotalCount.ToString("N0", CultureInfo.InvariantCulture)} {(Products.TotalCount == 1 ? "product" : "products")}";

    /// <summary>"Page 2 of 417", or "Page 2" when the total is only a lower bound.</summary>
    public string PageText => Products is null
        ? ""
        : Products.TotalPages is { } pages
            ? $"Page {Products.Page.ToString("N0", CultureInfo.InvariantCulture)} of {pages.ToString("N0", CultureInfo.InvariantCulture)}"
            : $"Page {Products.Page.ToString("N0", CultureInfo.InvariantCulture)}";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Query = string.IsNullOrWhiteSpace(Query) ? null : Query.Trim()[..Math.Min(Query.Trim().Length, 100)];
        Category = string.IsNullOrEmpty(Category) ? null : Category;
        RequestedPage = int.TryParse(Request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, 10_000)
            : 1;
        var categories = api.GetCategoriesAsync(ct);
        var products = api.GetProductsAsync(Query, Category, RequestedPage, After, Before, PageSize, ct);
        var c = await categories;
        var p = await products;
        Categories = c.Value ?? [];
        Products = p.Value;
        Problem = p.Problem ?? c.Problem;
    }

    /// <summary>The catalog URL with this page's filters and one paging parameter (after, before or nothing for the first page).</summary>
    public string PageUrl(string? name, string? cursor)
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

        if (name is not null && cursor is not null)
        {
            qs = qs.Add(name, cursor);
        }

        return "/" + qs.ToUriComponent();
    }
}
