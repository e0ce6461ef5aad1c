namespace Shop.Data;

/// <summary>
/// The cart's SQL (tables <c>carts</c> and <c>cart_items</c> of Migrations/001_schema.sql, expiry indexes of
/// 004_cart_expiry.sql), used by <c>Api.CartStore</c> and <c>Api.CartCleanup</c>. Parameters are positional;
/// each statement names its own.
/// </summary>
public static class CartQueries
{
    /// <summary>$1 cart id.</summary>
    public const string Exists = "SELECT EXISTS (SELECT 1 FROM carts WHERE id = $1)";

    /// <summary>$1 cart id. The cart's lines with their current product data, in the order they were added.</summary>
    public const string Lines = """
        SELECT p.id, p.name, p.image_url, p.price_minor, i.quantity, p.stock, p.currency
        FROM cart_items i JOIN products p ON p.id = i.product_id
        WHERE i.cart_id = $1 ORDER BY i.added_at, p.id
        """;

    /// <summary>
    /// $1 new cart id, $2 product id, $3 quantity, $4 now. A shopper's first add in one statement (one round trip,
    /// its own transaction): the cart and its line are inserted only when the product exists and has the stock,
    /// so a failed add leaves no cart behind. One row with the product (and whether the cart was made), or none
    /// for an unknown product. The foreign key of the line on the new cart is checked at the end of the statement.
    /// </summary>
    public const string AddToNewCart = """
        WITH p AS (SELECT id, name, image_url, price_minor, stock, currency FROM products WHERE id = $2),
        c AS (INSERT INTO carts (id, created_at, updated_at) SELECT $1, $4, $4 FROM p WHERE p.stock >= $3 RETURNING id),
        i AS (INSERT INTO cart_items (cart_id, product_id, quantity, added_at) SELECT c.id, $2, $3, $4 FROM c RETURNING cart_id)
        SELECT p.name, p.image_url, p.price_minor, p.stock, p.currency, EXISTS (SELECT 1 FROM i) FROM p
        """;

    /// <summary>$1 product id.</summary>
    public const string ProductStock = "SELECT stock, currency FROM products WHERE id = $1";

    /// <summary>
    /// $1 cart id, $2 now. Locks the cart row, which serialises changes to one cart (so the line limit holds
    /// under concurrent requests), and keeps the cart from expiring; no row when there is no such cart.
    /// </summary>
    public const string Touch = "UPDATE carts SET updated_at = $2 WHERE id = $1 RETURNING id";

    /// <summary>$1 cart id. Every line's product, quantity and currency (for the limits and the one-currency rule).</summary>
    public const string LineLimits = "SELECT i.product_id, i.quantity, p.currency FROM cart_items i JOIN products p ON p.id = i.product_id WHERE i.cart_id = $1";

    /// <summary>$1 cart id, $2 product id, $3 quantity, $4 now (kept as the line's added time on a new line).</summary>
    public const string UpsertLine = """
        INSERT INTO cart_items (cart_id, product_id, quantity, added_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity
        """;

    /// <summary>$1 cart id, $2 product id.</summary>
    public const string RemoveLine = "DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2";

    /// <summary>
    /// $1 abandoned before, $2 empty before, $3 batch size. One batch of expired carts (their lines go by
    /// <c>ON DELETE CASCADE</c>), oldest first along <c>carts_updated_at</c>.
    /// </summary>
    public const string ExpireCartsBatch = """
        DELETE FROM carts WHERE id IN (
            SELECT c.id FROM carts c
            WHERE c.updated_at < $1
               OR (c.updated_at < $2 AND NOT EXISTS (SELECT 1 FROM cart_items i WHERE i.cart_id = c.id))
            ORDER BY c.updated_at LIMIT $3)
        """;
}
