using Microsoft.AspNetCore.Http;
using ShopOperator.Kube;

namespace Operator.Tests;

public sealed class KubeApiTests
{
    private static Task Status(HttpContext c, int code, string reason)
    {
        c.Response.StatusCode = code;
        c.Response.ContentType = "application/json";
        return c.Response.WriteAsync($$"""{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"{{reason}}","message":"{{reason}} for the test","code":{{code}}}""");
    }

    [Fact]
    public async Task TryGet_answers_null_for_404_and_still_throws_for_every_other_failure()
    {
        await using var server = await ScriptedApiServer.StartAsync();
        var api = new KubeApi(server.Client());

        var missing = api.TryGetAsync(ResourceKind.Deployment, "ns", "gone", CancellationToken.None);
        Assert.Equal("GET /apis/apps/v1/namespaces/ns/deployments/gone", await server.AnswerAsync(c => Status(c, 404, "NotFound")));
        Assert.Null(await missing);

        var found = api.TryGetAsync(ResourceKind.Deployment, "ns", "here", CancellationToken.None);
        await server.AnswerAsync(c =>
        {
            c.Response.ContentType = "application/json";
            return c.Response.WriteAsync("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"here","namespace":"ns"}}""");
        });
        Assert.Equal("here", (await found)!["metadata"]!["name"]!.GetValue<string>());

        // A refusal is not "missing": the caller must not create over an object it may not read.
        var forbidden = api.TryGetAsync(ResourceKind.Deployment, "ns", "secret-one", CancellationToken.None);
        await server.AnswerAsync(c => Status(c, 403, "Forbidden"));
        var e = await Assert.ThrowsAsync<KubeApiException>(() => forbidden);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.StatusCode);

        // GetAsync keeps its contract: 404 is an exception there.
        var strict = api.GetAsync(ResourceKind.Deployment, "ns", "gone", CancellationToken.None);
        await server.AnswerAsync(c => Status(c, 404, "NotFound"));
        Assert.True((await Assert.ThrowsAsync<KubeApiException>(() => strict)).IsNotFound);
    }
}
