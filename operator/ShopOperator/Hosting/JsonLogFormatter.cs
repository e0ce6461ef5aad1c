using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ShopOperator.Hosting;

/// <summary>
/// One JSON object per line: Timestamp, LogLevel, Category, Message, Exception, then every structured value of
/// the message and of the active scopes as a top-level field. The reconcile scope carries <c>namespace</c> and
/// <c>name</c>, so <c>jq 'select(.namespace=="shop-dev" and .name=="demo")'</c> finds one shop's lines
/// (the stock JSON console formatter nests scopes in an array, which log pipelines cannot index).
/// </summary>
public sealed class JsonLogFormatter : ConsoleFormatter
{
    public const string FormatterName = "shop-json";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "Timestamp", "LogLevel", "Category", "Message", "Exception", "EventId" };

    private readonly TimeProvider _time;

    public JsonLogFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        // Scopes first (outermost to innermost), then the message's own values: the most specific wins.
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        scopeProvider?.ForEachScope((scope, into) => Collect(scope, into), fields);
        Collect(logEntry.State, fields);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("LogLevel", logEntry.LogLevel.ToString());
            json.WriteString("Category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("EventId", logEntry.EventId.Id);
            }

            json.WriteString("Message", message);
            if (logEntry.Exception is not null)
            {
                json.WriteString("Exception", logEntry.Exception.ToString());
            }

            foreach (var (key, value) in fields)
            {
                WriteValue(json, Reserved.Contains(key) ? "_" + key : key, value);
            }

            json.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static void Collect(object? state, Dictionary<string, object?> into)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key != "{OriginalFormat}")
                {
                    into[key] = value;
                }
            }
        }
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or short or byte or uint or ulong or ushort:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case IFormattable formattable:
                json.WriteString(key, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, value.ToString());
                break;
        }
    }
}
