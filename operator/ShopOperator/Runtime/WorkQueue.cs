namespace ShopOperator.Runtime;

/// <summary>
/// client-go's work queue semantics: a key is queued at most once (dirty set), never handed to two
/// workers at once (processing set; a key added while processing is queued again on Done), delayed adds
/// keep the earliest time, and rate-limited adds back off per key.
/// </summary>
public sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private readonly LinkedList<string> _queue = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _addedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Due, ITimer Timer)> _waiting = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly OperatorMetrics? _metrics;
    private readonly string _name;

    public WorkQueue(TimeProvider time, RateLimiter rateLimiter, OperatorMetrics? metrics = null, string name = OperatorMetrics.ControllerName)
    {
        _time = time;
        RateLimiter = rateLimiter;
        _metrics = metrics;
        _name = name;
    }

    public RateLimiter RateLimiter { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Nothing queued and nothing being processed (keys waiting for a delayed add do not count).</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count == 0 && _processing.Count == 0;
            }
        }
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            _metrics?.QueueAdds.WithLabels(_name).Inc();
            if (!_dirty.Add(key))
            {
                return;
            }

            _addedAt.TryAdd(key, _time.GetUtcNow());
            if (_processing.Contains(key))
            {
                return;
            }

            Push(key);
        }
    }

    /// <summary>Adds the key after <paramref name="delay"/>; an earlier pending time for the same key wins.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _time.CreateTimer(_ => Fire(key, due), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer);
        }
    }

    public void AddRateLimited(string key)
    {
        _metrics?.QueueRetries.WithLabels(_name).Inc();
        AddAfter(key, RateLimiter.When(key));
    }

    public void Forget(string key) => RateLimiter.Forget(key);

    /// <summary>Waits for the next key and marks it processing; the caller must call <see cref="Done"/>.</summary>
    public async Task<string> GetAsync(CancellationToken ct)
    {
        await _available.WaitAsync(ct);
        lock (_gate)
        {
            var key = _queue.First!.Value;
            _queue.RemoveFirst();
            _metrics?.QueueDepth.WithLabels(_name).Set(_queue.Count);
            _processing.Add(key);
            _metrics?.ProcessingStarted(_name, key);
            _dirty.Remove(key);
            if (_addedAt.Remove(key, out var added))
            {
                _metrics?.QueueDuration.WithLabels(_name).Observe((_time.GetUtcNow() - added).TotalSeconds);
            }

            return key;
        }
    }

    public void Done(string key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            _metrics?.ProcessingDone(_name, key);
            if (_dirty.Contains(key))
            {
                Push(key);
            }
        }
    }

    private void Fire(string key, DateTimeOffset due)
    {
        lock (_gate)
        {
            if (!_waiting.TryGetValue(key, out var pending) || pending.Due != due)
            {
                return;
            }

            _waiting.Remove(key);
            pending.Timer.Dispose();
        }

        Add(key);
    }

    private void Push(string key)
    {
        _queue.AddLast(key);
        _metrics?.QueueDepth.WithLabels(_name).Set(_queue.Count);
        _available.Release();
    }
}
