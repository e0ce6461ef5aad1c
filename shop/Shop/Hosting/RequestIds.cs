namespace Shop.Hosting;

/// <summary>The request id nginx sets (<c>X-Request-ID</c>, its <c>$request_id</c>), used only when well-formed.</summary>
public static class RequestIds
{
    public const string Header = "X-Request-ID";

    /// <summary>1..128 printable ASCII characters, else null: a hostile value never reaches a log line or a header.</summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = request.Headers[Header];
        if (values.Count != 1)
        {
            return null;
        }

        var value = values[0];
        return value is { Length: >= 1 and <= 128 } && value.All(c => c is >= '!' and <= '~') ? value : null;
    }
}
