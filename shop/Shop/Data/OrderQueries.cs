namespace Shop.Data;

/// <summary>
/// The checkout's and the orders' SQL (tables <c>orders</c>, <c>order_lines</c>, <c>idempotency_keys</c> and
/// the stock of <c>products</c>, Migrations/001_schema.sql), used by <c>Api.OrderStore</c> and
/// <c>Api.CartCleanup</c>. Parameters are positional; each statement names its own.
/// </summary>
public static class OrderQueries
{
    /// <summary>
    /// $1 cart id, $2 key. Locks the cart (one checkout per cart at a time) and reads what is stored under the key:
    /// no row when there is no such cart; a row of nulls when the key is new.
    /// </summary>
    public const string LockCartAndKey = """
        SELECT k.request_hash, k.status, k.response
        FROM carts c LEFT JOIN idempotency_keys k ON k.cart_id = c.id AND k.key = $2
        WHERE c.id = $1
        FOR UPDATE OF c
        """;

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
    /// $1 product ids, $2 quantities (one per line, in product-id order). The guarded update of each line (function
    /// <c>take_stock</c>, Migrations/005_checkout_writes.sql): the row lock plus the re-checked condition make
    /// overselling impossible (<c>CHECK (stock &gt;= 0)</c> is the backstop). A shortfall raises
    /// <see cref="StockShortfall"/>, which aborts the transaction, so the <see cref="Commit"/> sent in the same
    /// batch never keeps an order whose stock was not taken.
    /// </summary>
    public const string TakeStock = "SELECT take_stock(t.product, t.wanted) FROM unnest($1::bigint[], $2::integer[]) AS t(product, wanted)";

    /// <summary>The SQLSTATE <c>take_stock</c> raises when the row lacks the stock.</summary>
    public const string StockShortfall = "SH409";

    /// <summary>
    /// The order in one statement: the order row; its lines from the arrays (product ids, names, unit prices,
    /// quantities, line totals; the order's foreign key is checked at the end of the statement); the cart emptied;
    /// the 201 response stored under the key. $1 id, $2 number, $3 cart id, $4 email, $5 name, $6 street, $7 city,
    /// $8 postal code, $9 country, $10 card last4, $11 total, $12 currency, $13 created at, $14 product ids,
    /// $15 names, $16 unit prices, $17 quantities, $18 line totals, $19 key, $20 request hash, $21 the response.
    /// </summary>
    public const string WriteOrder = """
        WITH o AS (
            INSERT INTO orders (id, number, cart_id, email, name, street, city, postal_code, country, card_last4, total_minor, currency, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            RETURNING id),
        l AS (
            INSERT INTO order_lines (order_id, product_id, name, unit_price_minor, quantity, line_total_minor)
            SELECT o.id, t.product_id, t.name, t.unit_price_minor, t.quantity, t.line_total_minor
            FROM o, unnest($14::bigint[], $15::text[], $16::bigint[], $17::integer[], $18::bigint[])
                AS t(product_id, name, unit_price_minor, quantity, line_total_minor)),
        e AS (DELETE FROM cart_items WHERE cart_id = $3),
        k AS (INSERT INTO idempotency_keys (cart_id, key, request_hash, status, response) VALUES ($3, $19, $20, 201, $21))
        SELECT count(*) FROM o
        """;

    /// <summary>Ends the checkout's transaction as the last statement of its write batch (no round trip of its own).</summary>
    public const string Commit = "COMMIT";

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
