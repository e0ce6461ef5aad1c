using System.Text.Json.Nodes;
using KubeEmulator.Cel;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// The CEL subset the emulator evaluates, by the rule that defines it: the cel-spec language definition (operators,
/// macros, commutative error handling), cel-go's strings extension and optional types, and the Kubernetes CEL
/// libraries ("CEL in Kubernetes": lists, regex, URLs, quantities).
/// </summary>
public sealed class CelEvaluatorTests
{
    private static readonly HashSet<string> Variables = new(StringComparer.Ordinal) { "self", "oldSelf" };

    private static object? Eval(string expression, string self = "{}", string? oldSelf = null) =>
        CelProgram.Compile(expression, Variables).Evaluate(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["self"] = CelValues.FromJson(JsonNode.Parse(self)),
            ["oldSelf"] = oldSelf is null ? null : CelValues.FromJson(JsonNode.Parse(oldSelf)),
        });

    [Theory]
    [InlineData("1 + 2 * 3 == 7")]
    [InlineData("duration('1h30m') > duration('90s') && duration('0s') == duration('0') && duration('250ms') < duration('1s')")]
    [InlineData("(1 + 2) * 3 == 9")]
    [InlineData("7 / 2 == 3 && 7 % 2 == 1 && -7 / 2 == -3")]
    [InlineData("1.5 + 1.5 == 3.0")]
    [InlineData("'ab' + 'cd' == 'abcd'")]
    [InlineData("[1, 2] + [3] == [1, 2, 3]")]
    [InlineData("1 == 1.0")]
    [InlineData("'a' < 'b' && 2 > 1 && 2 >= 2 && 1 <= 1.5")]
    [InlineData("true ? 1 == 1 : false")]
    [InlineData("2 in [1, 2, 3] && 'k' in {'k': 1} && !('x' in {'k': 1})")]
    [InlineData("{'a': 1, 'b': 2}.size() == 2 && size([1]) == 1 && size('héllo') == 5")]
    [InlineData("int('42') == 42 && string(42) == '42' && double(1) == 1.0 && int(2.9) == 2")]
    [InlineData("0x10 == 16 && 3u == 3")]
    [InlineData("\"\"\"triple\"\"\" == 'triple' && r'\\d' == '\\\\d'")]
    public void CelSpec_Operators_and_literals(string expression) => Assert.Equal(true, Eval(expression));

    [Theory]
    [InlineData("self.items.all(i, i > 0)", true)]
    [InlineData("self.items.exists(i, i == 2)", true)]
    [InlineData("self.items.exists_one(i, i > 1)", false)]
    [InlineData("self.items.map(i, i * 2) == [2, 4, 6]", true)]
    [InlineData("self.items.map(i, i > 1, i * 10) == [20, 30]", true)]
    [InlineData("self.items.filter(i, i % 2 == 1) == [1, 3]", true)]
    [InlineData("self.labels.all(k, k.startsWith('app'))", true)]
    [InlineData("has(self.labels) && !has(self.missing)", true)]
    [InlineData("self.items.isSorted() && self.items.sum() == 6 && self.items.min() == 1 && self.items.max() == 3", true)]
    [InlineData("self.items.indexOf(2) == 1", true)]
    public void CelSpec_Macros_and_Kubernetes_list_library(string expression, bool expected) =>
        Assert.Equal(expected, Eval(expression, """{"items":[1,2,3],"labels":{"app":"x","app.kubernetes.io/name":"y"}}"""));

    [Theory]
    [InlineData("'Hello'.lowerAscii() == 'hello' && 'Hello'.upperAscii() == 'HELLO'")]
    [InlineData("'a,b,c'.split(',') == ['a', 'b', 'c'] && 'a,b,c'.split(',', 2) == ['a', 'b,c']")]
    [InlineData("['a', 'b'].join('-') == 'a-b' && ['a', 'b'].join() == 'ab'")]
    [InlineData("'shop-web'.startsWith('shop') && 'shop-web'.endsWith('web') && 'shop-web'.contains('p-w')")]
    [InlineData("'  x '.trim() == 'x' && 'aaa'.replace('a', 'b', 2) == 'bba' && 'abc'.substring(1) == 'bc' && 'abc'.charAt(1) == 'b'")]
    [InlineData("'abcabc'.indexOf('c') == 2 && 'abcabc'.lastIndexOf('c') == 5")]
    [InlineData("'abc'.matches('^[a-z]+$') && !'abc\\n'.matches('^[a-z]+$') && matches('x1', '[0-9]')")]
    public void CelStrings_extension_and_RE2_matches(string expression) => Assert.Equal(true, Eval(expression));

    [Theory]
    [InlineData("isURL('https://example.com:8443/a?b=c') && !isURL('not a url') && isURL('/absolute/path')")]
    [InlineData("url('https://example.com:8443/a/b?x=1&x=2').getScheme() == 'https'")]
    [InlineData("url('https://example.com:8443/a/b').getHost() == 'example.com:8443' && url('https://example.com/a').getHost() == 'example.com'")]
    [InlineData("url('https://example.com:8443/a/b').getHostname() == 'example.com' && url('https://example.com:8443/').getPort() == '8443'")]
    [InlineData("url('https://example.com/a/b').getEscapedPath() == '/a/b' && url('https://e.com/?x=1&x=2').getQuery() == {'x': ['1', '2']}")]
    public void KubernetesUrlLibrary(string expression) => Assert.Equal(true, Eval(expression));

    [Theory]
    [InlineData("quantity('500m').isLessThan(quantity('1')) && quantity('1Gi').isGreaterThan(quantity('1G'))")]
    [InlineData("quantity('1') == quantity('1000m') && quantity('1k').asInteger() == 1000 && quantity('1.5').isInteger() == false")]
    [InlineData("quantity('1Ki').compareTo(quantity('1024')) == 0 && quantity('-1').sign() == -1 && quantity('1').add(quantity('1')) == quantity('2')")]
    [InlineData("isQuantity('128Mi') && !isQuantity('12 Mi') && quantity('2e3').asApproximateFloat() == 2000.0 && quantity('3').sub(1) == quantity('2')")]
    public void KubernetesQuantityLibrary(string expression) => Assert.Equal(true, Eval(expression));

    [Theory]
    [InlineData("optional.of(1).hasValue() && !optional.none().hasValue() && optional.none().orValue(5) == 5")]
    [InlineData("self.?missing.orValue('d') == 'd' && self.?present.value() == 'p'")]
    [InlineData("self.?nested.?inner.orValue(0) == 7 && {'a': 1}[?'b'].orValue(2) == 2")]
    [InlineData("optional.none().or(optional.of(3)).value() == 3 && !optional.ofNonZeroValue('').hasValue()")]
    public void CelOptionalTypes(string expression) =>
        Assert.Equal(true, Eval(expression, """{"present":"p","nested":{"inner":7}}"""));

    [Fact]
    public void CelSpec_Logical_operators_absorb_an_error_on_the_other_side()
    {
        Assert.Equal(true, Eval("self.missing == 1 || true"));
        Assert.Equal(false, Eval("false && self.missing == 1"));
        Assert.Equal(true, Eval("[1, 0].exists(i, 1 / i == 1)"));
        var error = Assert.Throws<CelEvaluationException>(() => Eval("self.missing == 1 || false"));
        Assert.Equal("no such key: missing", error.Message);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("9223372036854775807 + 1", "integer overflow")]
    [InlineData("[1][3]", "index out of bounds: 3")]
    [InlineData("1 + 'a'", "no such overload: _+_(int, string)")]
    [InlineData("url('::')", "URL parse error")]
    public void CelSpec_Runtime_errors(string expression, string message)
    {
        var error = Assert.Throws<CelEvaluationException>(() => Eval(expression));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("self.a ==", "Syntax error")]
    [InlineData("self.a == 'x", "unterminated string")]
    [InlineData("other.a == 1", "undeclared reference to 'other'")]
    [InlineData("self.a.unknownFn()", "undeclared reference to 'unknownFn'")]
    [InlineData("has(self)", "invalid argument to has() macro")]
    [InlineData("self.all(1, true)", "variable name must be a simple identifier")]
    public void CelSpec_Compile_errors(string expression, string message)
    {
        var error = Assert.Throws<CelCompileException>(() => CelProgram.Compile(expression, Variables));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("ERROR: <input>:1:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_naming_oldSelf_is_a_transition_rule()
    {
        Assert.Contains("oldSelf", CelProgram.Compile("self == oldSelf", Variables).References);
        Assert.DoesNotContain("oldSelf", CelProgram.Compile("self.replicas > 0", Variables).References);
        Assert.Equal(true, Eval("self.replicas >= oldSelf.replicas", """{"replicas":3}""", """{"replicas":2}"""));
    }
}
