namespace ShopOperator.Runtime;

/// <summary>
/// client-go's default controller rate limiter: the larger of a per-item exponential backoff
/// (base 5 ms, doubling, capped at 1000 s) and an overall token bucket (10 per second, burst 100).
/// </summary>
public sealed class RateLimiter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private double _tokens;
    private DateTimeOffset _lastRefill;

    public RateLimiter(TimeProvider time, RateLimiterOptions? options = null)
    {
        _time = time;
        Options = options ?? RateLimiterOptions.Default;
        _tokens = Options.Burst;
        _lastRefill = time.GetUtcNow();
    }

    public RateLimiterOptions Options { get; }

    /// <summary>The delay before the next retry of <paramref name="key"/>; counts one more failure.</summary>
    public TimeSpan When(string key)
    {
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            var backoffMs = Options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 40));
            var itemDelay = TimeSpan.FromMilliseconds(Math.Min(backoffMs, Options.MaxDelay.TotalMilliseconds));
            var bucketDelay = ReserveToken();
            return itemDelay > bucketDelay ? itemDelay : bucketDelay;
        }
    }

    public int NumRequeues(string key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Success: the next failure of this key starts again at the base delay.</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    // Reserve one token; a negative balance is the wait until it refills (golang's rate.Limiter.Reserve).
    private TimeSpan ReserveToken()
    {
        var now = _time.GetUtcNow();
        _tokens = Math.Min(Options.Burst, _tokens + ((now - _lastRefill).TotalSeconds * Options.QueriesPerSecond));
        _lastRefill = now;
        _tokens -= 1;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Options.QueriesPerSecond);
    }
}

public sealed record RateLimiterOptions(TimeSpan BaseDelay, TimeSpan MaxDelay, double QueriesPerSecond, int Burst)
{
    public static RateLimiterOptions Default { get; } = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000), 10, 100);
}
