using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// A CRD's <c>pattern</c> is a Go regexp (RE2), as apiextensions-apiserver compiles it with <c>regexp.Compile</c>:
/// <c>$</c> is the end of the text, <c>\d</c>/<c>\w</c>/<c>\s</c> are ASCII, and a pattern that does not compile
/// in Go (backreferences, lookaround, atomic groups, possessive quantifiers) makes the CRD invalid ("must be a valid
/// regular expression, but isn't").
/// </summary>
public sealed class PatternTests() : EmulatorTest()
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private const string Widgets = "/apis/re2.example.com/v1/namespaces/default/widgets";
    private const string PatternPath = "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[code].pattern";

    private async Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    private static JsonObject Crd(string pattern) => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = "widgets.re2.example.com" },
        ["spec"] = new JsonObject
        {
            ["group"] = "re2.example.com",
            ["scope"] = "Namespaced",
            ["names"] = new JsonObject { ["plural"] = "widgets", ["kind"] = "Widget" },
            ["versions"] = new JsonArray(new JsonObject
            {
                ["name"] = "v1",
                ["served"] = true,
                ["storage"] = true,
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["spec"] = new JsonObject
                            {
                                ["type"] = "object",
                                ["properties"] = new JsonObject { ["code"] = new JsonObject { ["type"] = "string", ["pattern"] = pattern } },
                            },
                        },
                    },
                },
            }),
        },
    };

    private async Task<HttpStatusCode> PostWidgetAsync(string name, string code)
    {
        var (status, _) = await PostAsync(Widgets, new JsonObject
        {
            ["apiVersion"] = "re2.example.com/v1",
            ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["code"] = code },
        });
        return status;
    }

    private async Task InstallAsync(string pattern)
    {
        var (code, body) = await PostAsync(Crds, Crd(pattern));
        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
    }

    [Fact]
    public async Task Re2_Dollar_is_the_end_of_the_text_so_a_trailing_newline_does_not_match()
    {
        await InstallAsync("^[a-z]+$");

        Assert.Equal((HttpStatusCode)422, await PostWidgetAsync("newline", "abc\n"));
        Assert.Equal(HttpStatusCode.Created, await PostWidgetAsync("plain", "abc"));
    }

    [Fact]
    public async Task Re2_Multiline_flag_makes_dollar_the_end_of_a_line()
    {
        await InstallAsync("(?m)^[a-z]+$");

        Assert.Equal(HttpStatusCode.Created, await PostWidgetAsync("lines", "abc\ndef"));
        Assert.Equal((HttpStatusCode)422, await PostWidgetAsync("upper", "ABC\nDEF"));
    }

    [Theory]
    [InlineData(@"^\d+$", "\u0661\u0662")]
    [InlineData(@"^\w+$", "caf\u00e9")]
    [InlineData(@"^\s$", "\u00a0")]
    [InlineData(@"^[\d]+$", "\u0967")]
    public async Task Re2_Perl_classes_are_ASCII_only(string pattern, string nonAscii)
    {
        await InstallAsync(pattern);

        Assert.Equal((HttpStatusCode)422, await PostWidgetAsync("unicode", nonAscii));
    }

    [Theory]
    [InlineData(@"^\d+$", "0123456789")]
    [InlineData(@"^\w+$", "a_Z9")]
    [InlineData(@"^(?P<word>[a-z]+)-\d$", "abc-1")]
    [InlineData(@"^\pL+$", "abc")]
    [InlineData(@"^\x{41}\101$", "AA")]
    public async Task Re2_Syntax_that_Go_accepts_compiles_and_matches(string pattern, string value)
    {
        await InstallAsync(pattern);

        Assert.Equal(HttpStatusCode.Created, await PostWidgetAsync("ascii", value));
    }

    [Theory]
    [InlineData(@"^(a)\1$", "invalid escape sequence")]
    [InlineData(@"^a(?=b)", "invalid or unsupported Perl syntax")]
    [InlineData(@"^a(?!b)", "invalid or unsupported Perl syntax")]
    [InlineData(@"(?<=a)b", "invalid or unsupported Perl syntax")]
    [InlineData(@"(?<!a)b", "invalid or unsupported Perl syntax")]
    [InlineData(@"(?>a+)b", "invalid or unsupported Perl syntax")]
    [InlineData(@"^a*+$", "invalid nested repetition operator")]
    [InlineData(@"^a\Z", "invalid escape sequence")]
    [InlineData(@"(", "error parsing regexp")]
    public async Task Re2_A_pattern_Go_cannot_compile_makes_the_CRD_invalid(string pattern, string reason)
    {
        var (code, status) = await PostAsync(Crds, Crd(pattern));

        Assert.Equal((HttpStatusCode)422, code);
        var causes = status["details"]!["causes"]!.AsArray();
        Assert.Contains(causes, c => c!["field"]!.GetValue<string>() == PatternPath);
        var message = status["message"]!.GetValue<string>();
        Assert.Contains("must be a valid regular expression, but isn't", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        var (get, _) = await PostAsync(Widgets, new JsonObject());
        Assert.Equal(HttpStatusCode.NotFound, get);
    }
}
