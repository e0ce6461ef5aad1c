using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Testing.Postgres;
using Xunit;

namespace Shop.Tests.Api;

/// <summary>
/// The api's OpenAPI 3.1 document, generated from the route tables, equals the committed shop/openapi.json.
/// After an intended api change: <c>UPDATE_GOLDEN=1 dotnet test tests/Shop.Tests --filter OpenApiDocumentTests</c>
/// and review the diff.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class OpenApiDocumentTests(PostgresFixture fixture)
{
    private static readonly string GoldenPath = Path.Combine(Repo.Root, "shop", "openapi.json");

    [Fact]
    public async Task Served_document_equals_the_committed_one()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "openapi_golden");
        var served = await FetchAsync(api);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(GoldenPath, served);
        }

        var committed = File.Exists(GoldenPath) ? await File.ReadAllTextAsync(GoldenPath) : "(missing)";
        Assert.True(
            committed.ReplaceLineEndings("\n") == served.ReplaceLineEndings("\n"),
            "shop/openapi.json differs from the document the api serves; if the api change is intended, run with UPDATE_GOLDEN=1 and review the diff.");
    }

    [Fact]
    public async Task Document_is_openapi_3_1_and_lists_every_api_endpoint_with_problem_json_errors()
    {
        await using var api = await ApiApp.StartAsync(fixture.Server, "openapi_routes");
        var document = JsonNode.Parse(await FetchAsync(api))!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var paths = document["paths"]!.AsObject();

        var mapped = api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/", StringComparison.Ordinal) && !raw.StartsWith("/api/openapi/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: e.RoutePattern.RawText!.TrimEnd('/'), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.NotEmpty(mapped);
        foreach (var (path, method) in mapped)
        {
            Assert.True(paths[path]?[method] is not null, $"{method.ToUpperInvariant()} {path} is not in the OpenAPI document");
        }

        // Every documented 4xx is a problem+json answer, never plain JSON.
        foreach (var (path, item) in paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (status, response) in operation!["responses"]!.AsObject())
                {
                    if (status.StartsWith('4'))
                    {
                        var content = response!["content"]!.AsObject();
                        Assert.True(content.ContainsKey("application/problem+json") && !content.ContainsKey("application/json"), $"{method} {path} {status}: {content.ToJsonString()}");
                    }
                }
            }
        }
    }

    private static async Task<string> FetchAsync(ApiApp api)
    {
        using var client = new HttpClient { BaseAddress = api.BaseAddress };
        using var answer = await client.GetAsync(new Uri("api/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsStringAsync();
    }
}
