using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Shop.Api;
using Shop.Contracts;
using Shop.Data;
using Testing.Postgres;
using Xunit;
using Xunit.Abstractions;

namespace Shop.Tests.Api;

/// <summary>
/// A real api on a real PostgreSQL database with the generated catalog at the large size of issue 18
/// (<see cref="Size"/> products, one <c>INSERT ... SELECT generate_series</c> through
/// <c>generate_demo_products</c>, a few seconds), started once per test class.
/// </summary>
public sealed class LargeCatalog : IAsyncDisposable
{
    public const int Size = 50_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ApiApp? _app;

    public TimeSpan SeedTime { get; private set; }

    public async Task<ApiApp> GetAsync(PostgresFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        await _gate.WaitAsync();
        try
        {
            if (_app is null)
            {
                var app = await ApiApp.StartAsync(fixture.Server, "shopbig");
                var watch = Stopwatch.StartNew();
                await app.ExecuteAsync($"SELECT generate_demo_products({Size})");
                SeedTime = watch.Elapsed;
                // The api caches the category counts for a few seconds: wait until it shows the new catalog.
                using var http = app.NewShopper();
                await Poll.UntilAsync(
                    async () => (await http.GetFromJsonAsync<List<CategoryDto>>("api/categories"))!.Sum(c => c.ProductCount) >= Size ? "" : null,
                    TimeSpan.FromSeconds(30),
                    "the api to show the generated catalog",
                    TimeSpan.FromMilliseconds(200));
                _app = app;
            }

            return _app;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _gate.Dispose();
    }
}

[Collection(PostgresFixture.Collection)]
public sealed class LargeCatalogTests(PostgresFixture fixture, LargeCatalog catalog, ITestOutputHelper output) : IClassFixture<LargeCatalog>
{
    [Fact]
    public async Task Generator_loads_the_catalog_deterministically_with_counts_in_the_categories()
    {
        var api = await catalog.GetAsync(fixture);
        output.WriteLine($"generate_demo_products({LargeCatalog.Size}) took {catalog.SeedTime.TotalSeconds:F1} s");
        var counted = await api.ScalarAsync<long>("SELECT count(*) FROM products WHERE category_id IN (SELECT id FROM categories WHERE slug IN ('coffee','tea','brewing','cups'))");
        var kept = await api.ScalarAsync<long>("SELECT sum(product_count) FROM categories WHERE slug IN ('coffee','tea','brewing','cups')");
        Assert.Equal(counted, kept);
        Assert.True(counted >= LargeCatalog.Size, $"{counted} products");
        // Product k is always the same product; running it again for the same size adds nothing.
        Assert.Equal("Organic Cup No. 49999", await api.ScalarAsync<string>("SELECT name FROM products WHERE name LIKE '% No. 49999'"));
        Assert.Equal(0, await api.ScalarAsync<int>($"SELECT generate_demo_products({LargeCatalog.Size})"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM products WHERE stock <= 0 AND name LIKE '% No. %'"));
    }

    [Fact]
    public async Task Category_counts_follow_inserts_moves_and_deletes_in_the_same_transaction()
    {
        var api = await catalog.GetAsync(fixture);
        await api.ExecuteAsync("INSERT INTO categories (slug, name, position) VALUES ('count-a', 'Count A', 90), ('count-b', 'Count B', 91)");
        async Task<(int A, int B)> CountsAsync() =>
            (await api.ScalarAsync<int>("SELECT product_count FROM categories WHERE slug = 'count-a'"),
             await api.ScalarAsync<int>("SELECT product_count FROM categories WHERE slug = 'count-b'"));

        await api.ExecuteAsync("""
            INSERT INTO products (category_id, name, description, price_minor, image_url, stock)
            SELECT (SELECT id FROM categories WHERE slug = 'count-a'), 'Counted ' || g, 'x', 100, '/images/products/tea-bowl.svg', 1
            FROM generate_series(1, 10) g
            """);
        Assert.Equal((10, 0), await CountsAsync());

        await api.ExecuteAsync("UPDATE products SET category_id = (SELECT id FROM categories WHERE slug = 'count-b') WHERE name IN ('Counted 1', 'Counted 2', 'Counted 3')");
        Assert.Equal((7, 3), await CountsAsync());

        // A stock update (what checkout does) does not touch the counts.
        await api.ExecuteAsync("UPDATE products SET stock = stock + 1 WHERE name LIKE 'Counted %'");
        Assert.Equal((7, 3), await CountsAsync());

        await api.ExecuteAsync("DELETE FROM products WHERE name IN ('Counted 1', 'Counted 4')");
        Assert.Equal((6, 2), await CountsAsync());

        // A rolled-back insert leaves no trace in the count.
        await using (var conn = new NpgsqlConnection(api.ConnectionString))
        {
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using var cmd = new NpgsqlCommand("INSERT INTO products (category_id, name, description, price_minor, image_url, stock) SELECT id, 'Ghost', 'x', 1, '/x.svg', 1 FROM categories WHERE slug = 'count-a'", conn, tx);
            await cmd.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }

        Assert.Equal((6, 2), await CountsAsync());
        var exact = await api.ScalarAsync<long>("SELECT count(*) FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = 'count-a'");
        Assert.Equal(6L, exact);
        await api.ExecuteAsync("DELETE FROM products WHERE name LIKE 'Counted %'");
        Assert.Equal((0, 0), await CountsAsync());
    }

    public static TheoryData<string, bool, string?, ProductSort, Seek> Shapes => new()
    {
        { "list by name", false, null, ProductSort.Name, Seek.Offset },
        { "list by name, next page", false, null, ProductSort.Name, Seek.After },
        { "list by name, previous page", false, null, ProductSort.Name, Seek.Before },
        { "list by price", false, null, ProductSort.Price, Seek.After },
        { "list by -price", false, null, ProductSort.PriceDesc, Seek.After },
        { "category by name", true, null, ProductSort.Name, Seek.Offset },
        { "category by name, next page", true, null, ProductSort.Name, Seek.After },
        { "category by -price, next page", true, null, ProductSort.PriceDesc, Seek.After },
        { "search matching many", false, "reserve", ProductSort.Name, Seek.Offset },
        { "search matching one", false, "no. 49999", ProductSort.Name, Seek.Offset },
        { "search in a category, next page", true, "reserve", ProductSort.Price, Seek.After },
    };

    /// <summary>
    /// EXPLAIN of the statement the api sends for each filter shape, with both a custom plan (the values known)
    /// and a generic plan (what a prepared statement may switch to): never a sequential scan of products.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_filter_shape_is_served_by_an_index_never_a_seq_scan_of_products(string name, bool byCategory, string? search, ProductSort sort, Seek seek)
    {
        var api = await catalog.GetAsync(fixture);
        var shape = new ProductShape(byCategory, search is not null, sort, seek);
        var sql = CatalogQueries.ProductPage(shape);
        // PREPARE + EXPLAIN EXECUTE, so plan_cache_mode decides between the plan for these values and the
        // generic plan (PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN)). Types and values in CatalogQueries' order.
        var types = new List<string>();
        var values = new List<string>();
        if (byCategory)
        {
            types.Add("integer");
            values.Add((await api.ScalarAsync<int>("SELECT id FROM categories WHERE slug = 'tea'")).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (search is not null)
        {
            types.Add("text");
            values.Add("'" + ProductPaging.ToTsQuery(search)!.Replace("'", "''", StringComparison.Ordinal) + "'");
        }

        if (seek != Seek.Offset)
        {
            types.Add(sort == ProductSort.Name ? "text" : "bigint");
            values.Add(sort == ProductSort.Name ? "'Mellow Mug No. 20000'" : "2999");
            types.Add("bigint");
            values.Add("25000");
        }

        types.AddRange(["integer", "integer"]);
        values.AddRange(["13", "0"]);
        foreach (var mode in new[] { "force_custom_plan", "force_generic_plan" })
        {
            await using var conn = new NpgsqlConnection(api.ConnectionString);
            await conn.OpenAsync();
            await using (var prepare = new NpgsqlCommand($"SET plan_cache_mode = {mode}; PREPARE shape({string.Join(", ", types)}) AS {sql}", conn))
            {
                await prepare.ExecuteNonQueryAsync();
            }

            await using var cmd = new NpgsqlCommand($"EXPLAIN EXECUTE shape({string.Join(", ", values)})", conn);
            var plan = new List<string>();
            await using (var reader = await cmd.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }

            var text = string.Join('\n', plan);
            output.WriteLine($"-- {name} ({mode})\n{text}");
            Assert.False(text.Contains("Seq Scan on products", StringComparison.Ordinal), $"{name} ({mode}) scans products:\n{text}");
            if (search is null)
            {
                Assert.Contains(" using products", text, StringComparison.Ordinal);
            }
            else
            {
                // The matches come from search_products*: their one query, planned as the function's SET makes it.
                await using var inner = new NpgsqlCommand(
                    $"SET enable_seqscan = off; EXPLAIN SELECT p.id FROM products p WHERE p.search_vector @@ to_tsquery('simple', {values[byCategory ? 1 : 0]}) LIMIT {CatalogQueries.SearchCap + 1}",
                    conn);
                var innerPlan = new List<string>();
                await using (var reader = await inner.ExecuteReaderAsync())
                {
                    do
                    {
                        while (await reader.ReadAsync())
                        {
                            innerPlan.Add(reader.GetString(0));
                        }
                    }
                    while (await reader.NextResultAsync());
                }

                Assert.Contains("Bitmap Index Scan on products_search", string.Join('\n', innerPlan), StringComparison.Ordinal);
                Assert.Contains("search_products", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Search_finds_words_and_prefixes_in_names_and_descriptions_with_a_capped_total()
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        var many = (await client.GetFromJsonAsync<ProductPage>("api/products?q=reserve"))!;
        Assert.True(many.TotalIsLowerBound, "more matches than the cap");
        Assert.Equal(CatalogQueries.SearchCap, many.TotalCount);
        Assert.Null(many.TotalPages);
        Assert.Equal(12, many.Items.Count);
        Assert.All(many.Items, p => Assert.Contains("reserve", (p.Name + " " + p.Description).ToLowerInvariant(), StringComparison.Ordinal));
        Assert.Equal(many.Items.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Id).Select(p => p.Id), many.Items.Select(p => p.Id));

        var one = (await client.GetFromJsonAsync<ProductPage>("api/products?q=No.%2049999"))!;
        Assert.False(one.TotalIsLowerBound);
        Assert.Equal(1, one.TotalCount);
        Assert.Equal("Organic Cup No. 49999", Assert.Single(one.Items).Name);
        Assert.Null(one.NextCursor);

        // A prefix of a word of the description, in one category.
        var prefix = (await client.GetFromJsonAsync<ProductPage>("api/products?q=bergam&category=tea"))!;
        Assert.Equal("Earl Grey", Assert.Single(prefix.Items).Name);

        // Words are matched all together; an operator in the text is only a separator.
        var both = (await client.GetFromJsonAsync<ProductPage>("api/products?q=" + Uri.EscapeDataString("reserve & !blend |")))!;
        Assert.All(both.Items, p => Assert.StartsWith("Reserve Blend No. ", p.Name, StringComparison.Ordinal));
        Assert.NotEmpty(both.Items);
    }

    /// <summary>
    /// Keyset pages over a sort key full of ties (60 prices for 12,500 products of a category): with products
    /// added in the middle of the order while paging, no product that was there before is skipped or shown twice.
    /// </summary>
    [Theory]
    [InlineData("price")]
    [InlineData("-price")]
    public async Task Keyset_pages_over_ties_skip_and_repeat_nothing_while_products_are_added(string sort)
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        var before = new HashSet<long>();
        await using (var conn = new NpgsqlConnection(api.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = 'brewing'", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                before.Add(reader.GetInt64(0));
            }
        }

        var seen = new List<long>();
        var pages = 0;
        string? cursor = null;
        ProductPage? page = null;
        do
        {
            page = (await client.GetFromJsonAsync<ProductPage>($"api/products?category=brewing&sort={sort}&pageSize=48" + (cursor is null ? "" : "&after=" + cursor)))!;
            seen.AddRange(page.Items.Select(p => p.Id));
            Assert.True(page.Items.Zip(page.Items.Skip(1)).All(p => sort == "price" ? p.First.PriceMinor <= p.Second.PriceMinor : p.First.PriceMinor >= p.Second.PriceMinor));
            pages++;
            Assert.Equal(pages, page.Page);
            if (pages % 20 == 0)
            {
                // New products with prices all over the range, some of them equal to the current page's keys.
                await api.ExecuteAsync($"""
                    INSERT INTO products (category_id, name, description, price_minor, image_url, stock)
                    SELECT (SELECT id FROM categories WHERE slug = 'brewing'), 'Added while paging {pages}-' || g, 'added', 199 + 100 * (g % 60), '/images/products/hand-grinder.svg', 5
                    FROM generate_series(1, 30) g
                    """);
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null && pages < 1000);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(before.Except(seen));
        output.WriteLine($"{sort}: {pages} pages, {seen.Count} products, {seen.Count - before.Count} added while paging were seen");

        // Back from the last page with previous cursors gives the same pages in reverse.
        var last = page!;
        var back = (await client.GetFromJsonAsync<ProductPage>($"api/products?category=brewing&sort={sort}&pageSize=48&before={last.PreviousCursor}"))!;
        Assert.Equal(last.Page - 1, back.Page);
        Assert.Equal(48, back.Items.Count);
        Assert.Equal(last.Items[0].Id, (await client.GetFromJsonAsync<ProductPage>($"api/products?category=brewing&sort={sort}&pageSize=48&after={back.NextCursor}"))!.Items[0].Id);
        await api.ExecuteAsync("DELETE FROM products WHERE name LIKE 'Added while paging %'");
    }

    [Fact]
    public async Task Previous_from_the_second_page_is_the_full_first_page()
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        var first = (await client.GetFromJsonAsync<ProductPage>("api/products"))!;
        Assert.Null(first.PreviousCursor);
        Assert.InRange(first.TotalPages!.Value, LargeCatalog.Size / 12, (LargeCatalog.Size / 12) + 50);
        var second = (await client.GetFromJsonAsync<ProductPage>("api/products?after=" + first.NextCursor))!;
        Assert.Equal(2, second.Page);
        var again = (await client.GetFromJsonAsync<ProductPage>("api/products?before=" + second.PreviousCursor))!;
        Assert.Equal(1, again.Page);
        Assert.Null(again.PreviousCursor);
        Assert.Equal(first.Items.Select(p => p.Id), again.Items.Select(p => p.Id));
    }

    [Theory]
    [InlineData("api/products?page=101")]
    [InlineData("api/products?after=not-a-cursor")]
    [InlineData("api/products?before=%00")]
    [InlineData("api/products?page=2&after=bnwyfDF8QQ")]
    public async Task Bad_paging_gets_a_400_problem(string path)
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_cursor_of_another_sort_is_refused()
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        var byName = (await client.GetFromJsonAsync<ProductPage>("api/products"))!;
        using var response = await client.GetAsync(new Uri("api/products?sort=price&after=" + byName.NextCursor, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Public_catalog_answers_carry_cache_control_and_an_etag_and_answer_304_carts_do_not()
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        foreach (var path in new[] { "api/categories", "api/products?category=tea", "api/products/1" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=5", response.Headers.CacheControl?.ToString());
            var etag = response.Headers.ETag;
            Assert.NotNull(etag);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

            using var conditional = new HttpRequestMessage(HttpMethod.Get, path);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", "\"other\", " + etag!.Tag);
            using var notModified = await client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        }

        using var missing = await client.GetAsync(new Uri("api/products/999999999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Null(missing.Headers.ETag);
        Assert.NotEqual("public, max-age=5", missing.Headers.CacheControl?.ToString());

        await ApiApp.AddToCartAsync(client, 1, 1);
        using var cart = await client.GetAsync(new Uri("api/cart", UriKind.Relative));
        Assert.False(cart.Headers.CacheControl?.Public ?? false, "a cart is never public");
        Assert.Null(cart.Headers.ETag);
    }

    [Fact]
    public async Task The_category_cache_is_at_most_a_few_seconds_stale()
    {
        var api = await catalog.GetAsync(fixture);
        using var client = api.NewShopper();
        await api.ExecuteAsync("INSERT INTO categories (slug, name, position) VALUES ('cache-check', 'Cache check', 95)");
        await api.ExecuteAsync("INSERT INTO products (category_id, name, description, price_minor, image_url, stock) SELECT id, 'Cached', 'x', 1, '/x.svg', 1 FROM categories WHERE slug = 'cache-check'");
        var watch = Stopwatch.StartNew();
        await Poll.UntilAsync(
            async () => (await client.GetFromJsonAsync<List<CategoryDto>>("api/categories"))!.FirstOrDefault(c => c.Slug == "cache-check" && c.ProductCount == 1),
            CatalogStore.CategoriesLifetime + TimeSpan.FromSeconds(5),
            "the new category with its count",
            TimeSpan.FromMilliseconds(100));
        output.WriteLine($"visible after {watch.Elapsed.TotalSeconds:F1} s (bound {CatalogStore.CategoriesLifetime.TotalSeconds} s)");
        await api.ExecuteAsync("DELETE FROM products WHERE name = 'Cached'");
    }
}
