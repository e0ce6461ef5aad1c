using Shop.Api;
using Shop.Contracts;
using Shop.Data;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>The pure parts of catalog paging: search words, cursors, request validation and page assembly.</summary>
public sealed class ProductPagingTests
{
    [Theory]
    [InlineData("Reserve", "reserve:*")]
    [InlineData("  no. 49999 ", "no & 49999")]
    [InlineData("tea & !coffee | (x:*)", "tea & coffee & x")]
    [InlineData("'; DROP TABLE products; --", "drop & table & products:*")]
    [InlineData("Crème brûlée", "crème & brûlée:*")]
    [InlineData("mug 2", "mug & 2")]
    [InlineData("a a a", "a")]
    [InlineData("%_%", null)]
    [InlineData("!!! ---", null)]
    public void Search_text_becomes_words_only(string text, string? expected) =>
        Assert.Equal(expected, ProductPaging.ToTsQuery(text));

    [Fact]
    public void Search_keeps_at_most_eight_words() =>
        Assert.Equal(ProductPaging.MaxSearchWords, ProductPaging.ToTsQuery(string.Join(' ', Enumerable.Range(1, 20).Select(i => "w" + i)))!.Split(" & ").Length);

    [Theory]
    [InlineData(ProductSort.Name)]
    [InlineData(ProductSort.Price)]
    [InlineData(ProductSort.PriceDesc)]
    public void Cursors_round_trip_even_with_separators_in_the_name(ProductSort sort)
    {
        var product = new ProductDto(42, "Cups | and | mugs ✓", "d", 1999, "EUR", "/x.svg", 3, "cups", "Cups");
        var cursor = PageCursor.From(sort, 7, product);
        var decoded = PageCursor.TryDecode(cursor.Encode());
        Assert.Equal(cursor, decoded);
        Assert.DoesNotContain('=', cursor.Encode());
        Assert.Matches("^[A-Za-z0-9_-]+$", cursor.Encode());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("eHx8fA")] // "x|||"
    [InlineData("bnwwfDF8QQ")] // page 0
    [InlineData("bnwxfDB8QQ")] // id 0
    [InlineData("cHwxfDF8YWJj")] // price key not a number
    [InlineData("//79")] // not UTF-8
    public void Tampered_cursors_are_refused(string text) => Assert.Null(PageCursor.TryDecode(text));

    [Theory]
    [InlineData(null, null, null, null, null)]
    [InlineData("reserve", null, "price", "3", null)]
    [InlineData(null, "tea", "-price", null, "48")]
    public void Valid_requests_parse(string? q, string? category, string? sort, string? page, string? pageSize)
    {
        var (request, error) = ProductPaging.Parse(new ProductListQuery(q, category, sort, page, pageSize, null, null));
        Assert.Null(error);
        Assert.NotNull(request);
    }

    [Theory]
    [InlineData("?", null, null, null, null, null)]
    [InlineData(null, null, "id;DROP", null, null, null)]
    [InlineData(null, null, null, "101", null, null)]
    [InlineData(null, null, null, "2", "bnwxfDF8QQ", null)]
    [InlineData(null, null, "price", null, "bnwxfDF8QQ", null)] // a name cursor with sort=price
    [InlineData(null, null, null, null, "bnwxfDF8QQ", "bnwxfDF8QQ")]
    public void Bad_requests_get_a_message(string? q, string? category, string? sort, string? page, string? after, string? before)
    {
        var (request, error) = ProductPaging.Parse(new ProductListQuery(q, category, sort, page, null, after, before));
        Assert.Null(request);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void A_page_read_with_one_extra_row_knows_there_is_a_next_page()
    {
        var rows = Enumerable.Range(1, 4).Select(i => new ProductDto(i, "P" + i, "d", 100, "EUR", "/x.svg", 1, "c", "C")).ToList();
        var first = new ProductPageRequest(null, null, ProductSort.Name, 3, 1, Seek.Offset, null);
        var page = ProductPaging.ToPage(first, rows, 10, false);
        Assert.Equal([1L, 2, 3], page.Items.Select(p => p.Id));
        Assert.Null(page.PreviousCursor);
        Assert.Equal(4, page.TotalPages);
        var next = PageCursor.TryDecode(page.NextCursor!)!;
        Assert.Equal((2, 3L, "P3"), (next.Page, next.Id, next.NameKey));

        // A Before page is read backwards: shown in order, numbered from its cursor.
        var before = first with { Seek = Seek.Before, Cursor = new PageCursor(ProductSort.Name, 3, 9, "P9", 0) };
        var back = ProductPaging.ToPage(before, [.. rows.AsEnumerable().Reverse()], 10, false);
        Assert.Equal([2L, 3, 4], back.Items.Select(p => p.Id));
        Assert.Equal(3, back.Page);
        Assert.NotNull(back.PreviousCursor);

        var capped = ProductPaging.ToPage(first, rows, CatalogQueries.SearchCap, true);
        Assert.Null(capped.TotalPages);
        Assert.True(capped.TotalIsLowerBound);
    }
}
