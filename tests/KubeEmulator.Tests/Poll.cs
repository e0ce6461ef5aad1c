namespace KubeEmulator.Tests;

/// <summary>Waiting for the emulator's controllers: poll with a deadline, never a fixed sleep.</summary>
internal static class Poll
{
    /// <summary>Reads until <paramref name="done"/> holds or the deadline passes; returns the last value read (the caller asserts on it).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(25);
        }
    }
}
