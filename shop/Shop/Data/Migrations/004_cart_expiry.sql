-- Cart and idempotency-key expiry (Api/CartCleanup.cs): its deletes walk these indexes, oldest first.
CREATE INDEX carts_updated_at ON carts (updated_at);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
