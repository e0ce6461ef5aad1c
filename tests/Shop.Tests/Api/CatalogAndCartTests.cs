using System.Net;
using System.Net.Http.Json;
using Shop.Contracts;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

[Collection(PostgresFixture.Collection)]
public sealed class CatalogAndCartTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task Demo_catalog_has_24_products_in_4_categories_and_paging_is_a_unique_order()
    {
        var api = await shared.GetAsync(fixture);
        using var client = api.NewShopper();
        var categories = await client.GetFromJsonAsync<List<CategoryDto>>("api/categories");
        Assert.True(categories!.Count >= 4);
        Assert.All(categories, c => Assert.True(c.ProductCount > 0));

        var seen = new List<long>();
        ProductPage? page = null;
        for (var n = 1; n <= 10 && (page is null || n <= page.TotalPages); n++)
        {
            page = await client.GetFromJsonAsync<ProductPage>($"api/products?page={n}&pageSize=5&sort=price");
            seen.AddRange(page!.Items.Select(p => p.Id));
            Assert.True(page.Items.Zip(page.Items.Skip(1)).All(p => p.First.PriceMinor <= p.Second.PriceMinor));
        }

        Assert.True(page!.TotalCount >= 24, $"{page.TotalCount} products");
        Assert.Equal(page.TotalCount, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Search_category_filter_and_detail()
    {
        var api = await shared.GetAsync(fixture);
        using var client = api.NewShopper();
        var tea = await client.GetFromJsonAsync<ProductPage>("api/products?category=tea&pageSize=48");
        Assert.NotEmpty(tea!.Items);
        Assert.All(tea.Items, p => Assert.Equal("tea", p.CategorySlug));

        var search = await client.GetFromJsonAsync<ProductPage>("api/products?q=BERGAMOT");
        var earl = Assert.Single(search!.Items);
        Assert.Equal("Earl Grey", earl.Name);
        var none = await client.GetFromJsonAsync<ProductPage>("api/products?q=xylophone%25_%25");
        Assert.Empty(none!.Items);
        using var noWords = await client.GetAsync(new Uri("api/products?q=%25_%25", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, noWords.StatusCode);

        var detail = await client.GetFromJsonAsync<ProductDto>($"api/products/{earl.Id}");
        Assert.Equal(earl, detail);
        Assert.StartsWith("/images/products/", detail!.ImageUrl, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot", detail.ImageUrl.TrimStart('/')))
            || File.Exists(Path.Combine(Repo.Root, "shop", "Shop", "wwwroot", detail.ImageUrl.TrimStart('/'))), detail.ImageUrl);
    }

    [Fact]
    public async Task Cart_cookie_is_random_httponly_lax_and_the_cart_is_kept_in_the_database()
    {
        var api = await shared.GetAsync(fixture);
        using var handler = new HttpClientHandler { UseCookies = false };
        using var raw = new HttpClient(handler) { BaseAddress = api.BaseAddress };
        using var add = await raw.PostAsync(new Uri("api/cart/items", UriKind.Relative), ApiApp.JsonBody("""{"productId":1,"quantity":2}"""));
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        var setCookie = add.Headers.GetValues("Set-Cookie").Single();
        Assert.Matches("^shop_cart=[0-9a-f]{32};", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        // The web tier's way: forward the cookie by hand on a server-side call.
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/cart/items/1") { Content = ApiApp.JsonBody("""{"quantity":5}""") };
        request.Headers.Add("Cookie", cookie);
        using var put = await raw.SendAsync(request);
        var cart = await put.Content.ReadFromJsonAsync<CartDto>();
        Assert.Equal(5, cart!.ItemCount);
        Assert.Equal(cart.Lines.Single().UnitPriceMinor * 5, cart.TotalMinor);
        Assert.False(put.Headers.Contains("Set-Cookie"));

        var id = Guid.ParseExact(cookie["shop_cart=".Length..], "N");
        Assert.Equal(5, await api.ScalarAsync<int>("SELECT quantity FROM cart_items WHERE cart_id = $1", id));

        using var remove = new HttpRequestMessage(HttpMethod.Delete, "api/cart/items/1");
        remove.Headers.Add("Cookie", cookie);
        using var removed = await raw.SendAsync(remove);
        Assert.Empty((await removed.Content.ReadFromJsonAsync<CartDto>())!.Lines);

        // A forged cart id is never adopted: the api issues a fresh one.
        using var forged = new HttpRequestMessage(HttpMethod.Post, "api/cart/items") { Content = ApiApp.JsonBody("""{"productId":1,"quantity":1}""") };
        forged.Headers.Add("Cookie", "shop_cart=00000000000000000000000000000001");
        using var forgedAnswer = await raw.SendAsync(forged);
        Assert.DoesNotContain("shop_cart=00000000000000000000000000000001", forgedAnswer.Headers.GetValues("Set-Cookie").Single(), StringComparison.Ordinal);
    }
}
