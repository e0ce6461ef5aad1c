using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;

namespace Shop.Api;

/// <summary>
/// The OpenAPI 3.1 document of the api, generated from the route tables and served at
/// <see cref="Path"/>; committed as shop/openapi.json (a test keeps the two equal).
/// </summary>
public static class ApiDocument
{
    public const string Path = "/api/openapi/{documentName}.json";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Shop API";
                document.Info.Version = "v1";
                // The server list would name the host and port of whoever asked; the document is the same everywhere.
                document.Servers = [];
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(ProblemsAsProblemJson);
        });

    /// <summary>Typed problem results (NotFound&lt;ProblemDetails&gt;) are written as application/problem+json; say so.</summary>
    private static Task ProblemsAsProblemJson(Microsoft.OpenApi.OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        foreach (var type in context.Description.SupportedResponseTypes)
        {
            if (type.Type is null || !typeof(ProblemDetails).IsAssignableFrom(type.Type) || operation.Responses is null
                || !operation.Responses.TryGetValue(type.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
                || response.Content is null || !response.Content.Remove("application/json", out var media))
            {
                continue;
            }

            response.Content["application/problem+json"] = media;
        }

        return Task.CompletedTask;
    }
}
