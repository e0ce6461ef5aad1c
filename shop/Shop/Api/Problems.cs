using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Shop.Api;

/// <summary>RFC 9457 problem+json answers with a detail a shopper (or the web tier) can show.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);

    public static ProblemHttpResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, detail);

    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, detail);

    public static ProblemHttpResult Conflict(string detail, string reason) =>
        Create(StatusCodes.Status409Conflict, detail, new Dictionary<string, object?> { ["reason"] = reason });

    public static ProblemHttpResult Invalid(IReadOnlyDictionary<string, string> errors) =>
        Create(
            StatusCodes.Status400BadRequest,
            string.Join(" ", errors.Values),
            new Dictionary<string, object?> { ["errors"] = errors.ToDictionary(e => e.Key, e => new[] { e.Value }) });

    /// <summary>
    /// Reads a JSON body or explains why not: 415 for any non-JSON content type (so a cross-site HTML form
    /// cannot post with the cart cookie), 400 for an empty, malformed or mistyped body.
    /// </summary>
    public static async Task<(T? Value, ProblemHttpResult? Error)> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            return (null, Create(StatusCodes.Status415UnsupportedMediaType, "Send the body as application/json."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json.Options, ct);
            return value is null
                ? (null, BadRequest("The request body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            // JsonException's message names the path and position only, never the value.
            return (null, BadRequest($"The request body is not valid: {JsonErrorText(e)}"));
        }
    }

    private static string JsonErrorText(JsonException e) =>
        e.Path is { Length: > 1 } path ? $"check the field {path}." : "malformed or empty JSON.";
}
