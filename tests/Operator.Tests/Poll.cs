namespace Operator.Tests;

/// <summary>Waiting for state: poll with a deadline, never a fixed sleep.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + (what ?? "condition"));
            }

            await Task.Delay(20);
        }
    }

    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null, string? what = null, TimeSpan? interval = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + (what ?? "condition"));
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(20));
        }
    }
}
