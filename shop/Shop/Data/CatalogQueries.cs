using System.Text;

namespace Shop.Data;

public enum ProductSort
{
    Name,
    Price,
    PriceDesc,
}

/// <summary>How a page is found: by offset from the start (first page, numbered links), or by seeking past a cursor.</summary>
public enum Seek
{
    Offset,
    After,
    Before,
}

/// <summary>A filter shape: which filters are present, the order and how the page is reached. Each shape is one SQL text.</summary>
public sealed record ProductShape(bool ByCategory, bool BySearch, ProductSort Sort, Seek Seek);

/// <summary>
/// The catalog's SQL, next to the schema it relies on (Migrations/003_catalog_scale.sql). One statement per
/// filter shape, composed only from the fixed pieces below (never from client text), each served by an
/// index that yields its order: no <c>$1 IS NULL OR …</c> disjunction that would push the planner to a
/// generic plan over the whole table. Parameters always come in this order, each only when its shape has it:
/// category id, search query (tsquery text), seek key, seek id; then limit and offset.
/// </summary>
public static class CatalogQueries
{
    /// <summary>A search considers at most this many matches (plus one, to know there are more): its cost is bounded by it, not by the catalog.</summary>
    public const int SearchCap = 200;

    public const string ProductColumns = "p.id, p.name, p.description, p.price_minor, p.currency, p.image_url, p.stock, c.slug, c.name";

    public const string Categories = "SELECT id, slug, name, product_count FROM categories ORDER BY position, slug";

    public const string ProductById = $"SELECT {ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = $1";

    /// <summary>The page of a shape. A search page's rows start with the capped match count (null columns on an empty page).</summary>
    public static string ProductPage(ProductShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var n = 0;
        string Next() => "$" + (++n).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var category = shape.ByCategory ? Next() : null;
        var search = shape.BySearch ? Next() : null;
        var (seekKey, seekId) = shape.Seek == Seek.Offset ? (null, null) : (Next(), Next());
        var limit = Next();
        var offset = Next();

        // Ascending or descending in the page's reading order; a Before page is read backwards and reversed by the caller.
        var descending = (shape.Sort == ProductSort.PriceDesc) != (shape.Seek == Seek.Before);
        var forward = shape.Sort == ProductSort.PriceDesc ? "<" : ">";
        var comparison = shape.Seek == Seek.Before ? (forward == ">" ? "<" : ">") : forward;
        var keyColumn = shape.Sort == ProductSort.Name ? "name" : "price_minor";
        var direction = descending ? " DESC" : "";

        if (!shape.BySearch)
        {
            var where = new List<string>(2);
            if (category is not null)
            {
                where.Add($"p.category_id = {category}");
            }

            if (seekKey is not null)
            {
                where.Add($"(p.{keyColumn}, p.id) {comparison} ({seekKey}, {seekId})");
            }

            var sql = new StringBuilder($"SELECT {ProductColumns} FROM products p JOIN categories c ON c.id = p.category_id");
            if (where.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", where);
            }

            return sql.Append($" ORDER BY p.{keyColumn}{direction}, p.id{direction} LIMIT {limit} OFFSET {offset}").ToString();
        }

        // Search: the matches come from the GIN index (search_products*, see the migration), at most
        // SearchCap + 1 of them, materialised once; the count and the page are both taken from that bounded set.
        var matches = category is null
            ? $"search_products({search}, {SearchCap + 1})"
            : $"search_products_in_category({search}, {category}, {SearchCap + 1})";
        var seekFilter = seekKey is null ? "" : $" WHERE (m.{keyColumn}, m.id) {comparison} ({seekKey}, {seekId})";
        return $"""
            WITH m AS MATERIALIZED (SELECT * FROM {matches})
            SELECT t.total, {ProductColumns}
            FROM (SELECT count(*)::int AS total FROM m) t
            LEFT JOIN LATERAL (
                SELECT m.id, m.name, m.price_minor FROM m{seekFilter}
                ORDER BY m.{keyColumn}{direction}, m.id{direction} LIMIT {limit} OFFSET {offset}) page ON true
            LEFT JOIN products p ON p.id = page.id
            LEFT JOIN categories c ON c.id = p.category_id
            ORDER BY page.{keyColumn}{direction}, page.id{direction}
            """;
    }
}
