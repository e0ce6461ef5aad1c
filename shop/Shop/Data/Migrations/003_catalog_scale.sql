-- The catalog at real size (issue 18): nothing a catalog request runs grows with the number of products.
--
-- Counts: categories.product_count is kept by triggers in the same transaction as the product write, so
-- listing and category pages read a number instead of counting rows. Statement-level triggers with
-- transition tables make a bulk INSERT ... SELECT cost one UPDATE per category, not one per row; a product
-- moving category is a row trigger that fires only when category_id really changes, so the checkout's
-- stock UPDATE never runs any of them.
ALTER TABLE categories ADD COLUMN product_count integer NOT NULL DEFAULT 0 CHECK (product_count >= 0);
UPDATE categories c SET product_count = (SELECT count(*) FROM products p WHERE p.category_id = c.id);

CREATE FUNCTION categories_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE categories c SET product_count = c.product_count + n.added
    FROM (SELECT category_id, count(*)::int AS added FROM inserted_products GROUP BY category_id) n
    WHERE c.id = n.category_id;
    RETURN NULL;
END $$;

CREATE FUNCTION categories_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE categories c SET product_count = c.product_count - d.removed
    FROM (SELECT category_id, count(*)::int AS removed FROM deleted_products GROUP BY category_id) d
    WHERE c.id = d.category_id;
    RETURN NULL;
END $$;

CREATE FUNCTION categories_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE categories SET product_count = product_count + CASE WHEN id = NEW.category_id THEN 1 ELSE -1 END
    WHERE id IN (OLD.category_id, NEW.category_id);
    RETURN NULL;
END $$;

CREATE FUNCTION categories_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE categories SET product_count = 0;
    RETURN NULL;
END $$;

CREATE TRIGGER products_count_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS inserted_products FOR EACH STATEMENT EXECUTE FUNCTION categories_count_inserted();
CREATE TRIGGER products_count_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS deleted_products FOR EACH STATEMENT EXECUTE FUNCTION categories_count_deleted();
CREATE TRIGGER products_count_move AFTER UPDATE OF category_id ON products
    FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id) EXECUTE FUNCTION categories_count_moved();
CREATE TRIGGER products_count_truncate AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION categories_count_truncated();

-- Plans: every filter shape has an index that yields its order, so a page reads about pageSize rows.
-- name: products_name (name, id); price: products_price (price_minor, id), read backwards for -price
-- (which therefore orders price_minor DESC, id DESC); category + name: products_category_name.
CREATE INDEX products_category_price ON products (category_id, price_minor, id);

-- Search: words and word prefixes of name and description, through a tsvector column (parser "simple":
-- no stemming, no stop words, so product numbers and short words stay searchable) and a GIN index. The
-- query asks for every word, whole (the last one also as a prefix); a rare word makes the index lookup
-- cheap however common the others are. Why not pg_trgm: see docs/architecture.md.
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
    (setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'B')) STORED;
CREATE INDEX products_search ON products USING gin (search_vector);

-- The matches of a search, at most `cap` of them, always from the GIN index. With a LIMIT and a word
-- in many products the planner prefers a sequential scan that stops early; its cost still grows with the
-- catalog (and with how late the matches lie in it), so these functions rule it out for their one query.
-- PL/pgSQL, so the query's plan is kept per connection instead of planned on every call.
CREATE FUNCTION search_products(query text, cap integer)
    RETURNS TABLE (id bigint, name text, price_minor bigint)
    LANGUAGE plpgsql STABLE SET enable_seqscan = off
    AS $$ BEGIN
        RETURN QUERY SELECT p.id, p.name, p.price_minor FROM products p
            WHERE p.search_vector @@ to_tsquery('simple', query) LIMIT cap;
    END $$;
CREATE FUNCTION search_products_in_category(query text, category integer, cap integer)
    RETURNS TABLE (id bigint, name text, price_minor bigint)
    LANGUAGE plpgsql STABLE SET enable_seqscan = off
    AS $$ BEGIN
        RETURN QUERY SELECT p.id, p.name, p.price_minor FROM products p
            WHERE p.search_vector @@ to_tsquery('simple', query) AND p.category_id = category LIMIT cap;
    END $$;

-- A deterministic large catalog for development, tests and benchmarks (SHOP_DEMO_PRODUCTS, make
-- seed-catalog): adds generated products until the catalog holds `target` products, in one
-- INSERT ... SELECT. Product k is always the same product, so two catalogs of the same size are equal.
-- Prices come from 60 values (many ties), every product has stock, one adjective in 16 is "Reserve".
CREATE FUNCTION generate_demo_products(target integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    have integer;
    added integer;
BEGIN
    SELECT coalesce(sum(product_count), 0) INTO have FROM categories;
    IF target IS NULL OR target <= have THEN
        RETURN 0;
    END IF;
    INSERT INTO products (category_id, name, description, price_minor, currency, image_url, stock)
    SELECT c.id,
           adjectives[1 + (g.k / 4) % 16] || ' ' || nouns[1 + g.k % 4][1 + (g.k / 64) % 4] || ' No. ' || g.k,
           'A ' || lower(adjectives[1 + (g.k / 4) % 16]) || ' ' || lower(nouns[1 + g.k % 4][1 + (g.k / 64) % 4])
               || ' from lot ' || (g.k % 97) || ', ' || notes[1 + (g.k / 7) % 8] || '.',
           199 + 100 * ((g.k::bigint * 7919) % 60),
           'EUR',
           '/images/products/' || images[1 + g.k % 4][1 + (g.k / 4) % 7] || '.svg',
           1 + (g.k * 31) % 150
    FROM generate_series(have + 1, target) AS g(k)
    CROSS JOIN (SELECT
        ARRAY['Reserve', 'Classic', 'House', 'Organic', 'Smoky', 'Bright', 'Mellow', 'Limited',
              'Estate', 'Heritage', 'Wild', 'Velvet', 'Golden', 'Midnight', 'Harvest', 'Alpine'] AS adjectives,
        ARRAY[['Blend', 'Roast', 'Beans', 'Espresso'],
              ['Green Tea', 'Black Tea', 'Oolong', 'Infusion'],
              ['Dripper', 'Kettle', 'Grinder', 'Filter Set'],
              ['Mug', 'Cup', 'Tumbler', 'Glass']] AS nouns,
        ARRAY['notes of cocoa', 'a long finish', 'hand packed', 'a gift favourite',
              'small batch', 'sturdy and simple', 'best with milk', 'bright and clean'] AS notes,
        ARRAY[['ethiopia-yirgacheffe', 'colombia-supremo', 'sumatra-mandheling', 'espresso-blend', 'decaf-swiss-water', 'kenya-aa', 'guatemala-antigua'],
              ['sencha-green', 'assam-breakfast', 'earl-grey', 'chamomile-flowers', 'jasmine-pearls', 'rooibos-vanilla', 'oolong-tie-guan-yin'],
              ['pour-over-dripper', 'paper-filters-100', 'french-press-1-l', 'gooseneck-kettle', 'hand-grinder', 'digital-scale', 'cold-brew-jar'],
              ['stoneware-mug', 'espresso-cups-2', 'double-wall-glass', 'travel-tumbler', 'tea-bowl', 'latte-glass-4', 'kids-cocoa-mug']] AS images,
        ARRAY['coffee', 'tea', 'brewing', 'cups'] AS slugs) w
    JOIN categories c ON c.slug = w.slugs[1 + g.k % 4];
    GET DIAGNOSTICS added = ROW_COUNT;
    -- Fresh statistics, so the first requests on the new catalog get the plans they will keep.
    ANALYZE products;
    RETURN added;
END $$;
