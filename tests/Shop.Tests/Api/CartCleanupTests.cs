using Microsoft.Extensions.DependencyInjection;
using Shop.Api;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>Issue 12: abandoned and empty carts and old idempotency keys expire; live ones stay.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class CartCleanupTests(PostgresFixture fixture, SharedApi shared) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task One_pass_expires_abandoned_and_empty_carts_and_old_keys_only()
    {
        var api = await shared.GetAsync(fixture);
        var abandoned = Guid.NewGuid();
        var oldEmpty = Guid.NewGuid();
        var recentEmpty = Guid.NewGuid();
        var live = Guid.NewGuid();
        await api.ExecuteAsync("INSERT INTO carts (id, created_at, updated_at) VALUES ($1, now() - interval '40 days', now() - interval '31 days')", abandoned);
        await api.ExecuteAsync("INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, 1, 1)", abandoned);
        await api.ExecuteAsync("INSERT INTO carts (id, created_at, updated_at) VALUES ($1, now() - interval '8 days', now() - interval '8 days')", oldEmpty);
        await api.ExecuteAsync("INSERT INTO carts (id, created_at, updated_at) VALUES ($1, now() - interval '1 day', now() - interval '1 day')", recentEmpty);
        await api.ExecuteAsync("INSERT INTO carts (id, created_at, updated_at) VALUES ($1, now() - interval '20 days', now() - interval '20 days')", live);
        await api.ExecuteAsync("INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, 1, 1)", live);
        await api.ExecuteAsync("INSERT INTO idempotency_keys (cart_id, key, request_hash, status, response, created_at) VALUES ($1, 'old', '\\x00', 201, '{}', now() - interval '25 hours')", live);
        await api.ExecuteAsync("INSERT INTO idempotency_keys (cart_id, key, request_hash, status, response, created_at) VALUES ($1, 'new', '\\x00', 201, '{}', now() - interval '1 hour')", live);

        var (carts, keys) = await api.Services.GetRequiredService<CartCleanup>().RunOnceAsync(CancellationToken.None);

        Assert.True(carts >= 2, $"{carts} carts expired");
        Assert.True(keys >= 1, $"{keys} keys expired");
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM carts WHERE id = ANY($1)", new[] { abandoned, oldEmpty }));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM cart_items WHERE cart_id = $1", abandoned));
        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM carts WHERE id = ANY($1)", new[] { recentEmpty, live }));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE cart_id = $1", live));
        Assert.Equal("new", await api.ScalarAsync<string>("SELECT key FROM idempotency_keys WHERE cart_id = $1", live));
    }

    [Fact]
    public async Task The_expiry_indexes_exist()
    {
        var api = await shared.GetAsync(fixture);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'carts_updated_at'"));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'idempotency_keys_created_at'"));
    }
}
