namespace Shop.Data;

/// <summary>
/// The checkout's and the orders' SQL (tables <c>orders</c>, <c>order_lines</c>, <c>idempotency_keys</c> and
/// the stock of <c>products</c>, Migrations/001_schema.sql), used by <c>Api.OrderStore</c> and
/// <c>Api.CartCleanup</c>. Parameters are positional; each statement names its own.
/// </summary>
public static class OrderQueries
{
    /// <summary>$1 cart id. Locks the cart: one checkout per cart at a time.</summary>
    public const string LockCart = "SELECT 1 FROM carts WHERE id = $1 FOR UPDATE";

    /// <summary>$1 cart id, $2 key.</summary>
    public const string StoredResponse = "SELECT request_hash, status, response FROM idempotency_keys WHERE cart_id = $1 AND key = $2";

    /// <summary>
    /// $1 cart id, $2 key. The cart's lines with their products' name, price, currency and stock, each product row
    /// locked (<c>FOR NO KEY UPDATE</c>, what the stock update takes anyway, so adds to carts are not blocked) in
    /// product-id order (no deadlocks between carts: ORDER BY is applied before the locks are taken). Nothing is
    /// locked when the key is already stored (a replay).
    /// </summary>
    public const string LockLines = """
        SELECT i.product_id, i.quantity, p.name, p.price_minor, p.currency, p.stock
        FROM cart_items i JOIN products p ON p.id = i.product_id
        WHERE i.cart_id = $1 AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.cart_id = $1 AND k.key = $2)
        ORDER BY p.id
        FOR NO KEY UPDATE OF p
        """;

    /// <summary>$1 cart id, $2 key. The order number, drawn only for a new order of a cart with lines (no row otherwise).</summary>
    public const string NextNumber = """
        SELECT 'SO-' || nextval('order_numbers')
        WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE cart_id = $1 AND key = $2)
          AND EXISTS (SELECT 1 FROM cart_items WHERE cart_id = $1)
        """;

    /// <summary>
    /// $1 product id, $2 quantity. The guarded update (function <c>take_stock</c>, Migrations/005_checkout_writes.sql):
    /// the row lock plus the re-checked condition make overselling impossible (<c>CHECK (stock &gt;= 0)</c> is the
    /// backstop). A shortfall raises <see cref="StockShortfall"/>, which aborts the transaction, so the
    /// <see cref="Commit"/> sent in the same batch never keeps an order whose stock was not taken.
    /// </summary>
    public const string TakeStock = "SELECT take_stock($1, $2)";

    /// <summary>The SQLSTATE <c>take_stock</c> raises when the row lacks the stock (its detail is the product id).</summary>
    public const string StockShortfall = "SH409";

    /// <summary>Ends the checkout's transaction as the last statement of its write batch (no round trip of its own).</summary>
    public const string Commit = "COMMIT";

    /// <summary>$1 id, $2 number, $3 cart id, $4 email, $5 name, $6 street, $7 city, $8 postal code, $9 country, $10 card last4, $11 total, $12 currency, $13 created at.</summary>
    public const string InsertOrder = """
        INSERT INTO orders (id, number, cart_id, email, name, street, city, postal_code, country, card_last4, total_minor, currency, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """;

    /// <summary>$1 order id, $2 product id, $3 name, $4 unit price, $5 quantity, $6 line total.</summary>
    public const string InsertLine = "INSERT INTO order_lines (order_id, product_id, name, unit_price_minor, quantity, line_total_minor) VALUES ($1, $2, $3, $4, $5, $6)";

    /// <summary>$1 cart id.</summary>
    public const string EmptyCart = "DELETE FROM cart_items WHERE cart_id = $1";

    /// <summary>$1 cart id, $2 key, $3 request hash, $4 the 201 response.</summary>
    public const string StoreResponse = "INSERT INTO idempotency_keys (cart_id, key, request_hash, status, response) VALUES ($1, $2, $3, 201, $4)";

    /// <summary>$1 order id, $2 cart id: only the cart that placed an order sees it.</summary>
    public const string OrderHead = "SELECT number, total_minor, currency, email, name, card_last4, created_at FROM orders WHERE id = $1 AND cart_id = $2";

    /// <summary>$1 order id.</summary>
    public const string OrderLines = "SELECT product_id, name, quantity, unit_price_minor, line_total_minor FROM order_lines WHERE order_id = $1 ORDER BY product_id";

    /// <summary>$1 created before, $2 batch size. One batch of expired idempotency keys, oldest first along <c>idempotency_keys_created_at</c>.</summary>
    public const string ExpireKeysBatch = """
        DELETE FROM idempotency_keys WHERE ctid IN (
            SELECT ctid FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)
        """;
}
