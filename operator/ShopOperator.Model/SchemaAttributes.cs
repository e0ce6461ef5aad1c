namespace ShopOperator.Model;

// Small attributes that carry the OpenAPI rules the C# type system cannot: CrdGenerator turns them into the
// schema and ShopInstanceValidator checks the very same schema, so the two can never disagree.

[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(long minimum, long maximum = long.MaxValue) : Attribute
{
    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int length) : Attribute
{
    public int Length { get; } = length;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int count) : Attribute
{
    public int Count { get; } = count;
}

/// <summary>Schema default; the API server fills it in, and the operator uses the same value when a server did not.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>An object whose content the schema does not describe (label selectors): x-kubernetes-preserve-unknown-fields.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary><c>format</c> of a string (date-time) or integer (int32, int64).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

/// <summary>x-kubernetes-list-type: map keyed by <see cref="Keys"/> (server-side apply merges entries by key).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>
/// A CEL rule (x-kubernetes-validations). A server without CEL ignores it, so every rule also has a C#
/// twin in <see cref="ShopInstanceValidator"/>, matched by <see cref="Message"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;

    public string Message { get; } = message;

    /// <summary>A CEL expression for the message (messageExpression); <see cref="Message"/> is the fallback.</summary>
    public string? MessageExpression { get; init; }
}
