using System.Collections.Concurrent;
using Shop.Hosting;

namespace Shop.Api;

/// <summary>A public catalog answer as sent: its JSON body, its entity tag and when it was made.</summary>
public sealed record CachedAnswer(byte[] Body, string ETag, DateTimeOffset StoredAt);

/// <summary>
/// The api's short-lived cache of public catalog lists (the endpoints marked <see cref="Kept"/>: categories, product
/// pages and searches), keyed by path and query string, so a popular page or search costs one database read per
/// lifetime instead of one per request. A product by id is not kept: its page shows the live stock. The staleness bound is <see cref="ShopSettings.CatalogCacheLifetime"/> (SHOP_CATALOG_CACHE_SECONDS,
/// 5 s by default), the same as the answers' <c>Cache-Control: max-age</c>; an answer served from here carries its
/// <c>Age</c>, so a cache downstream keeps it only for the rest of that bound. Carts, orders and the checkout's
/// stock check never read it. Bounded: at most <see cref="MaxEntries"/> answers of at most <see cref="MaxBodyBytes"/>,
/// keys of at most <see cref="MaxKeyLength"/> characters; when full, expired answers go and new ones are not kept.
/// </summary>
public sealed class CatalogResponseCache(ShopSettings settings, TimeProvider time)
{
    public const int MaxEntries = 1024;
    public const int MaxBodyBytes = 32 * 1024;
    public const int MaxKeyLength = 512;

    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);

    public TimeSpan Lifetime => settings.CatalogCacheLifetime;

    /// <summary>The cache key of a request (path and raw query string), or null when it is not cached.</summary>
    public string? KeyOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Lifetime <= TimeSpan.Zero || !HttpMethods.IsGet(request.Method)
            || request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Kept>() is null)
        {
            return null;
        }

        var key = request.Path.Value + request.QueryString.Value;
        return key.Length <= MaxKeyLength ? key : null;
    }

    /// <summary>The stored answer for <paramref name="key"/> while it is younger than the lifetime, and its age.</summary>
    public bool TryGet(string key, out CachedAnswer answer, out TimeSpan age)
    {
        age = TimeSpan.Zero;
        if (_answers.TryGetValue(key, out answer!))
        {
            age = time.GetUtcNow() - answer.StoredAt;
            if (age < Lifetime)
            {
                return true;
            }

            _answers.TryRemove(new KeyValuePair<string, CachedAnswer>(key, answer));
        }

        return false;
    }

    public void Store(string key, byte[] body, string etag)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length > MaxBodyBytes)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_answers.Count >= MaxEntries)
        {
            foreach (var (k, v) in _answers)
            {
                if (now - v.StoredAt >= Lifetime)
                {
                    _answers.TryRemove(new KeyValuePair<string, CachedAnswer>(k, v));
                }
            }

            if (_answers.Count >= MaxEntries)
            {
                return;
            }
        }

        _answers[key] = new CachedAnswer(body, etag, now);
    }

    /// <summary>Endpoint metadata: this endpoint's 200 answers may be kept.</summary>
    public sealed class Kept
    {
        public static readonly Kept Instance = new();

        private Kept()
        {
        }
    }
}
