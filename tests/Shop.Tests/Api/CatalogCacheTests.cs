using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Shop.Api;
using Shop.Hosting;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// Issue #18, "short-lived caching where it is safe": the api keeps public catalog lists for
/// SHOP_CATALOG_CACHE_SECONDS (the bound its Cache-Control max-age already states), says their Age, reads a product
/// by id every time, and never lets a cached answer decide anything about a cart or an order. Each app here has its
/// own database.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class CatalogCacheTests(PostgresFixture fixture)
{
    [Fact]
    public async Task A_catalog_list_is_served_from_the_cache_with_its_Age_until_its_lifetime_ends_a_product_by_id_never()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "shopcache", extra: _ => new Dictionary<string, string?> { ["SHOP_CATALOG_CACHE_SECONDS"] = "2" });
        using var http = api.NewShopper();
        await api.ExecuteAsync("UPDATE products SET stock = 5 WHERE id = 3");
        var first = await http.GetAsync(List);
        Assert.Equal(5, await ListedStockAsync(first, 3));
        Assert.Null(first.Headers.Age);

        await api.ExecuteAsync("UPDATE products SET stock = 4 WHERE id = 3");
        using var cached = await http.GetAsync(List);
        Assert.Equal(5, await ListedStockAsync(cached, 3));
        Assert.NotNull(cached.Headers.Age);
        Assert.True(cached.Headers.Age <= TimeSpan.FromSeconds(2), $"Age {cached.Headers.Age}");
        Assert.Equal(first.Headers.ETag, cached.Headers.ETag);

        // The product's own page reads the database every time: the live stock.
        using var byId = await http.GetAsync(new Uri("api/products/3", UriKind.Relative));
        Assert.Null(byId.Headers.Age);
        Assert.Equal(4, await StockAsync(byId));

        // After the lifetime the database is read again.
        Assert.Equal(4, await Poll.UntilAsync(async () => await ListedStockAsync(await http.GetAsync(List), 3), s => s == 4, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task A_cached_product_page_never_decides_the_cart_the_database_does()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "shopcache", extra: _ => new Dictionary<string, string?> { ["SHOP_CATALOG_CACHE_SECONDS"] = "60" });
        using var shopper = api.NewShopper();
        await api.ExecuteAsync("UPDATE products SET stock = 5 WHERE id = 4");
        Assert.Equal(5, await ListedStockAsync(await shopper.GetAsync(List), 4));
        await api.ExecuteAsync("UPDATE products SET stock = 0 WHERE id = 4");
        Assert.Equal(5, await ListedStockAsync(await shopper.GetAsync(List), 4)); // cached, for 60 s

        using var add = await shopper.PostAsJsonAsync(new Uri("api/cart/items", UriKind.Relative), new { productId = 4, quantity = 1 });
        Assert.Equal(HttpStatusCode.Conflict, add.StatusCode);
        Assert.Contains("sold out", await add.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var cart = await shopper.GetAsync(new Uri("api/cart", UriKind.Relative));
        Assert.Null(cart.Headers.Age);
    }

    [Fact]
    public async Task Zero_seconds_turns_the_cache_off()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "shopcache", extra: _ => new Dictionary<string, string?> { ["SHOP_CATALOG_CACHE_SECONDS"] = "0" });
        using var http = api.NewShopper();
        await api.ExecuteAsync("UPDATE products SET stock = 5 WHERE id = 3");
        Assert.Equal(5, await ListedStockAsync(await http.GetAsync(List), 3));
        await api.ExecuteAsync("UPDATE products SET stock = 4 WHERE id = 3");
        using var again = await http.GetAsync(List);
        Assert.Null(again.Headers.Age);
        Assert.Equal(4, await ListedStockAsync(again, 3));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("61")]
    [InlineData("5s")]
    [InlineData("1e3")]
    public void A_lifetime_that_is_not_0_to_60_whole_seconds_is_refused(string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SHOP_CATALOG_CACHE_SECONDS"] = value }).Build();
        var error = Assert.Throws<ShopConfigurationException>(() => ShopSettings.From(config));
        Assert.Contains("SHOP_CATALOG_CACHE_SECONDS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_is_bounded_in_entries_body_size_and_key_length_and_drops_expired_answers()
    {
        var clock = new ManualClock();
        var cache = new CatalogResponseCache(Settings(5), clock);
        for (var i = 0; i < CatalogResponseCache.MaxEntries + 10; i++)
        {
            cache.Store($"/api/products?q=w{i}", [1], "\"e\"");
        }

        Assert.False(cache.TryGet($"/api/products?q=w{CatalogResponseCache.MaxEntries + 5}", out _, out _)); // full: not kept
        Assert.True(cache.TryGet("/api/products?q=w0", out _, out _));
        cache.Store("/api/products/1", new byte[CatalogResponseCache.MaxBodyBytes + 1], "\"big\"");
        Assert.False(cache.TryGet("/api/products/1", out _, out _));

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(cache.TryGet("/api/products?q=w0", out _, out _)); // expired
        cache.Store("/api/products?q=new", [2], "\"n\""); // full of expired answers: they go, this one stays
        Assert.True(cache.TryGet("/api/products?q=new", out var answer, out var age));
        Assert.Equal(TimeSpan.Zero, age);
        Assert.Equal([2], answer.Body);

        var context = new DefaultHttpContext();
        context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(CatalogResponseCache.Kept.Instance), "list"));
        var request = context.Request;
        request.Method = "GET";
        request.Path = "/api/products";
        request.QueryString = new QueryString("?q=" + new string('a', CatalogResponseCache.MaxKeyLength));
        Assert.Null(cache.KeyOf(request));
        request.QueryString = new QueryString("?q=tea");
        Assert.Equal("/api/products?q=tea", cache.KeyOf(request));
        Assert.Null(new CatalogResponseCache(Settings(0), clock).KeyOf(request));
        context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, EndpointMetadataCollection.Empty, "by id"));
        Assert.Null(cache.KeyOf(request)); // an endpoint not marked Kept
    }

    private static ShopSettings Settings(int seconds) =>
        new(IPAddress.Loopback, 1, 2, null, false) { CatalogCacheLifetime = TimeSpan.FromSeconds(seconds) };

    // Every demo product on one page (28 of them; the page holds up to 48).
    private static readonly Uri List = new("api/products?pageSize=48", UriKind.Relative);

    private static async Task<int> ListedStockAsync(HttpResponseMessage response, long id)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("id").GetInt64() == id).GetProperty("stock").GetInt32();
        }
    }

    private static async Task<int> StockAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("stock").GetInt32();
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
