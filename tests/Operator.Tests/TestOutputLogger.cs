using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Operator.Tests;

/// <summary>What the logger needs of xunit's output helper (writes after the test ended are dropped).</summary>
public interface ITestOutputHelperLike
{
    void WriteLine(string line);
}

public sealed class XunitOutput(ITestOutputHelper output) : ITestOutputHelperLike
{
    public void WriteLine(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }
}

/// <summary>Keeps every line (for tests that assert on the operator's logs) and passes it on.</summary>
public sealed class RecordingOutput(ITestOutputHelperLike next) : ITestOutputHelperLike
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public void WriteLine(string line)
    {
        _lines.Enqueue(line);
        next.WriteLine(line);
    }
}

public sealed class TestOutputLoggerProvider(ITestOutputHelperLike output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelperLike output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            output.WriteLine($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
