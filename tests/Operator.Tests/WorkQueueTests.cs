using Microsoft.Extensions.Time.Testing;
using ShopOperator.Runtime;

namespace Operator.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Adding_a_queued_key_again_queues_it_once()
    {
        var queue = new WorkQueue(new FakeTimeProvider(), new RateLimiter(new FakeTimeProvider()));
        queue.Add("ns/a");
        queue.Add("ns/a");
        queue.Add("ns/b");

        Assert.Equal(2, queue.Count);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None));
        Assert.Equal("ns/b", await queue.GetAsync(CancellationToken.None));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_key_added_while_processing_is_not_handed_out_until_done()
    {
        var queue = new WorkQueue(new FakeTimeProvider(), new RateLimiter(new FakeTimeProvider()));
        queue.Add("ns/a");
        var key = await queue.GetAsync(CancellationToken.None);

        queue.Add("ns/a");
        Assert.Equal(0, queue.Count);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(cts.Token));

        queue.Done(key);
        Assert.Equal(1, queue.Count);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None).WaitAsync(Deadline));
    }

    [Fact]
    public async Task Concurrent_workers_never_hold_the_same_key()
    {
        var queue = new WorkQueue(TimeProvider.System, new RateLimiter(TimeProvider.System));
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var processed = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var keys = Enumerable.Range(0, 5).Select(i => $"ns/k{i}").ToArray();

        async Task Worker()
        {
            while (Volatile.Read(ref processed) < 400)
            {
                string key;
                try
                {
                    key = await queue.GetAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                queue.Add(key); // an event for the same key while it is being processed
                inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        }

        foreach (var k in keys)
        {
            queue.Add(k);
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)).ToArray();
        while (Volatile.Read(ref processed) < 400 && !cts.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(processed >= 400, $"processed only {processed}");
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public void Backoff_doubles_from_5ms_per_failure_and_is_capped()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(time, RateLimiterOptions.Default with { QueriesPerSecond = 1e9, Burst = int.MaxValue });

        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.When("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/b"));
        for (var i = 0; i < 40; i++)
        {
            limiter.When("ns/a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("ns/a"));
        Assert.Equal(44, limiter.NumRequeues("ns/a"));
    }

    [Fact]
    public void Forget_resets_the_backoff_of_that_key_only()
    {
        var limiter = new RateLimiter(new FakeTimeProvider());
        limiter.When("ns/a");
        limiter.When("ns/a");
        limiter.When("ns/b");

        limiter.Forget("ns/a");

        Assert.Equal(0, limiter.NumRequeues("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("ns/b"));
    }

    [Fact]
    public void The_overall_bucket_limits_a_burst_of_failures_across_keys()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(time, RateLimiterOptions.Default with { QueriesPerSecond = 10, Burst = 2 });

        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/b"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When("ns/c"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("ns/d"));
    }

    [Fact]
    public async Task Rate_limited_add_waits_for_the_backoff_on_the_fake_clock()
    {
        var time = new FakeTimeProvider();
        var queue = new WorkQueue(time, new RateLimiter(time));

        queue.AddRateLimited("ns/a");
        queue.AddRateLimited("ns/a"); // the earlier due time (5 ms) wins over the later one (10 ms)
        Assert.Equal(0, queue.Count);

        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None).WaitAsync(Deadline));
        queue.Done("ns/a");

        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Add_after_keeps_the_earliest_due_time()
    {
        var time = new FakeTimeProvider();
        var queue = new WorkQueue(time, new RateLimiter(time));

        queue.AddAfter("ns/a", TimeSpan.FromSeconds(10));
        queue.AddAfter("ns/a", TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None).WaitAsync(Deadline));
        queue.Done("ns/a");
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.Count);
    }
}
