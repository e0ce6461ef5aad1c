using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Shop.Contracts;
using Shop.Data;

namespace Shop.Api;

/// <summary>The query string of <c>GET /api/products</c>, as sent (bound with <c>[AsParameters]</c>, validated by <see cref="ProductPaging.Parse"/>).</summary>
public sealed record ProductListQuery(
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "category")] string? Category,
    [property: FromQuery(Name = "sort")] string? Sort,
    [property: FromQuery(Name = "page")] string? Page,
    [property: FromQuery(Name = "pageSize")] string? PageSize,
    [property: FromQuery(Name = "after")] string? After,
    [property: FromQuery(Name = "before")] string? Before);

/// <summary>A validated product list request: what to filter, how to order, which page.</summary>
public sealed record ProductPageRequest(string? SearchQuery, string? CategorySlug, ProductSort Sort, int PageSize, int Page, Seek Seek, PageCursor? Cursor);

/// <summary>
/// A position in one ordering: the sort key and id of the item a page starts after (or ends before), and
/// the number of the page it leads to (for display). Opaque to clients: base64url of <c>s|page|id|key</c>.
/// </summary>
public sealed record PageCursor(ProductSort Sort, int Page, long Id, string NameKey, long PriceKey)
{
    public const int MaxPage = 10_000_000;
    private const int MaxNameLength = 400;

    public static PageCursor From(ProductSort sort, int page, ProductDto item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return sort == ProductSort.Name ? new(sort, page, item.Id, item.Name, 0) : new(sort, page, item.Id, "", item.PriceMinor);
    }

    public string Encode()
    {
        var key = Sort == ProductSort.Name ? NameKey : PriceKey.ToString(CultureInfo.InvariantCulture);
        var text = string.Create(CultureInfo.InvariantCulture, $"{SortCode(Sort)}|{Page}|{Id}|{key}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    public static PageCursor? TryDecode(string text)
    {
        if (text.Length is 0 or > 800)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var parts = decoded.Split('|', 4);
        if (parts.Length != 4 || parts[0].Length != 1
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page is < 1 or > MaxPage
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return null;
        }

        ProductSort? sort = parts[0][0] switch
        {
            'n' => ProductSort.Name,
            'p' => ProductSort.Price,
            'd' => ProductSort.PriceDesc,
            _ => null,
        };
        if (sort is null)
        {
            return null;
        }

        if (sort == ProductSort.Name)
        {
            return parts[3].Length <= MaxNameLength && !parts[3].Contains('\0', StringComparison.Ordinal)
                ? new PageCursor(sort.Value, page, id, parts[3], 0)
                : null;
        }

        return long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var price)
            ? new PageCursor(sort.Value, page, id, "", price)
            : null;
    }

    private static char SortCode(ProductSort sort) => sort switch
    {
        ProductSort.Price => 'p',
        ProductSort.PriceDesc => 'd',
        _ => 'n',
    };
}

/// <summary>
/// Paging of the product list, written once: request validation, the search text's words, and how the
/// rows a query returned become a page with its next and previous cursors.
/// </summary>
public static partial class ProductPaging
{
    public const int MaxQueryLength = 100;
    public const int MaxSearchWords = 8;
    public const int DefaultPageSize = 12;

    public static (ProductPageRequest? Request, string? Error) Parse(ProductListQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = (query.Q ?? "").Trim();
        var category = query.Category ?? "";
        if (q.Length > MaxQueryLength)
        {
            return (null, $"The search text is limited to {MaxQueryLength} characters.");
        }

        if (q.Contains('\0', StringComparison.Ordinal) || category.Contains('\0', StringComparison.Ordinal) || category.Length > MaxQueryLength)
        {
            return (null, "The search text or category contains characters that are not allowed.");
        }

        string? search = null;
        if (q.Length > 0)
        {
            search = ToTsQuery(q);
            if (search is null)
            {
                return (null, "Search for words: the search text needs at least one letter or digit.");
            }
        }

        ProductSort? sort = (query.Sort ?? "") switch
        {
            "" or "name" => ProductSort.Name,
            "price" => ProductSort.Price,
            "-price" or "price_desc" => ProductSort.PriceDesc,
            _ => null,
        };
        if (sort is null)
        {
            return (null, "sort must be name, price or -price.");
        }

        if (!TryInt(query.Page, 1, 1, ApiConventions.MaxPage, out var page))
        {
            return (null, $"page must be a whole number from 1 to {ApiConventions.MaxPage}; further pages are reached with the next link (after=).");
        }

        if (!TryInt(query.PageSize, DefaultPageSize, 1, ApiConventions.MaxPageSize, out var pageSize))
        {
            return (null, $"pageSize must be a whole number from 1 to {ApiConventions.MaxPageSize}.");
        }

        var after = query.After ?? "";
        var before = query.Before ?? "";
        if ((after.Length > 0 ? 1 : 0) + (before.Length > 0 ? 1 : 0) + (string.IsNullOrEmpty(query.Page) ? 0 : 1) > 1)
        {
            return (null, "Give at most one of page, after and before.");
        }

        var seek = after.Length > 0 ? Seek.After : before.Length > 0 ? Seek.Before : Seek.Offset;
        PageCursor? cursor = null;
        if (seek != Seek.Offset)
        {
            cursor = PageCursor.TryDecode(seek == Seek.After ? after : before);
            if (cursor is null || cursor.Sort != sort)
            {
                return (null, "The paging cursor is not valid for this list; start again from the first page.");
            }
        }

        return (new ProductPageRequest(search, category.Length == 0 ? null : category, sort.Value, pageSize, page, seek, cursor), null);
    }

    /// <summary>
    /// The search text as a tsquery: every word must match, whole, except the last one, which matches as a
    /// prefix when it has 3+ characters and a letter (the shopper may still be typing it: <c>espres</c> finds
    /// "Espresso"). Whole words keep the GIN lookup cheap: a rare word's posting list decides, however common
    /// the others are; prefixes of numbers or of 1–2 characters would match much of the catalog. Only letters
    /// and digits reach the tsquery, so no operator can be injected; null when there are none.
    /// </summary>
    public static string? ToTsQuery(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = Words().Matches(text)
            .Select(m => m.Value.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .Take(MaxSearchWords)
            .ToList();
        if (words.Count == 0)
        {
            return null;
        }

        var last = words[^1];
        if (last.Length >= 3 && last.Any(char.IsLetter))
        {
            words[^1] = last + ":*";
        }

        return string.Join(" & ", words);
    }

    /// <summary>Rows read with limit pageSize + 1 (reading order of the query) become the page shown.</summary>
    public static ProductPage ToPage(ProductPageRequest request, IReadOnlyList<ProductDto> rows, int totalCount, bool totalIsLowerBound)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(rows);
        var more = rows.Count > request.PageSize;
        var items = rows.Take(request.PageSize).ToList();
        int number;
        bool hasPrevious, hasNext;
        switch (request.Seek)
        {
            case Seek.After:
                number = request.Cursor!.Page;
                hasPrevious = items.Count > 0;
                hasNext = more;
                break;
            case Seek.Before:
                // Read backwards: reverse into display order. The caller asks for the first page instead when
                // nothing lies before this one, so here there always is.
                items.Reverse();
                number = Math.Max(request.Cursor!.Page, 2);
                hasPrevious = true;
                hasNext = items.Count > 0;
                break;
            default:
                number = request.Page;
                hasPrevious = request.Page > 1 && items.Count > 0;
                hasNext = more;
                break;
        }

        int? totalPages = totalIsLowerBound ? null : Math.Max(1, (totalCount + request.PageSize - 1) / request.PageSize);
        return new ProductPage(
            items,
            number,
            request.PageSize,
            totalCount,
            totalIsLowerBound,
            totalPages,
            hasNext ? PageCursor.From(request.Sort, number + 1, items[^1]).Encode() : null,
            hasPrevious ? PageCursor.From(request.Sort, number - 1, items[0]).Encode() : null);
    }

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();
}
