using System.Globalization;
using System.Text;

namespace KubeEmulator.Cel;

/// <summary>
/// The CEL grammar (cel-spec "Syntax"): conditional, ||, &amp;&amp;, relations (== != &lt; &lt;= &gt; &gt;= in),
/// + -, * / %, unary ! -, member access, index, calls, list and map literals, optional <c>.?</c> and <c>[?</c>.
/// Literals: int, uint (as int), double, string (quoted, triple-quoted, raw), bool, null. No bytes.
/// </summary>
public sealed class CelParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _next;

    private CelParser(string text)
    {
        _text = text;
        _tokens = Lex(text);
    }

    public static CelExpr Parse(string text)
    {
        var parser = new CelParser(text);
        var expr = parser.Conditional();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Error(parser.Peek.Position, $"Syntax error: extraneous input '{parser.Peek.Text}'");
        }

        return expr;
    }

    private enum TokenKind
    {
        Int,
        Double,
        String,
        Ident,
        Op,
        End,
    }

    private sealed record Token(TokenKind Kind, string Text, int Position, object? Value = null);

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private bool TakeOp(string op)
    {
        if (Peek.Kind == TokenKind.Op && Peek.Text == op)
        {
            _next++;
            return true;
        }

        return false;
    }

    private void Expect(string op)
    {
        if (!TakeOp(op))
        {
            throw Error(Peek.Position, $"Syntax error: missing '{op}' at '{(Peek.Kind == TokenKind.End ? "<EOF>" : Peek.Text)}'");
        }
    }

    private CelCompileException Error(int position, string message)
    {
        // cel-go's shape: "ERROR: <input>:1:5: Syntax error: ..." (line and 1-based column).
        var line = 1 + _text.Take(position).Count(c => c == '\n');
        var lineStart = position == 0 ? 0 : _text.LastIndexOf('\n', position - 1) + 1;
        var column = position - lineStart + 1;
        return new CelCompileException($"ERROR: <input>:{line}:{column}: {message}");
    }

    private CelExpr Conditional()
    {
        var condition = Or();
        var position = Peek.Position;
        if (!TakeOp("?"))
        {
            return condition;
        }

        var then = Or();
        Expect(":");
        var otherwise = Conditional();
        return new CelConditional(condition, then, otherwise, position);
    }

    private CelExpr Or()
    {
        var left = And();
        while (Peek.Kind == TokenKind.Op && Peek.Text == "||")
        {
            var position = Take().Position;
            left = new CelBinary("||", left, And(), position);
        }

        return left;
    }

    private CelExpr And()
    {
        var left = Relation();
        while (Peek.Kind == TokenKind.Op && Peek.Text == "&&")
        {
            var position = Take().Position;
            left = new CelBinary("&&", left, Relation(), position);
        }

        return left;
    }

    private CelExpr Relation()
    {
        var left = Addition();
        while ((Peek.Kind == TokenKind.Op && Peek.Text is "==" or "!=" or "<" or "<=" or ">" or ">=") || (Peek.Kind == TokenKind.Ident && Peek.Text == "in"))
        {
            var op = Take();
            left = new CelBinary(op.Text, left, Addition(), op.Position);
        }

        return left;
    }

    private CelExpr Addition()
    {
        var left = Multiplication();
        while (Peek.Kind == TokenKind.Op && Peek.Text is "+" or "-")
        {
            var op = Take();
            left = new CelBinary(op.Text, left, Multiplication(), op.Position);
        }

        return left;
    }

    private CelExpr Multiplication()
    {
        var left = Unary();
        while (Peek.Kind == TokenKind.Op && Peek.Text is "*" or "/" or "%")
        {
            var op = Take();
            left = new CelBinary(op.Text, left, Unary(), op.Position);
        }

        return left;
    }

    private CelExpr Unary()
    {
        if (Peek.Kind == TokenKind.Op && Peek.Text is "!" or "-")
        {
            var op = Take();
            if (op.Text == "-" && Peek.Kind is TokenKind.Int or TokenKind.Double)
            {
                // A negative literal, so -9223372036854775808 is representable.
                var number = Take();
                if (number.Kind == TokenKind.Double)
                {
                    return Member(new CelLiteral(-(double)number.Value!, op.Position));
                }

                var magnitude = (decimal)number.Value!;
                return magnitude > 9223372036854775808m
                    ? throw Error(number.Position, "invalid int literal")
                    : Member(new CelLiteral((long)-magnitude, op.Position));
            }

            return new CelUnary(op.Text, Unary(), op.Position);
        }

        return Member(Primary());
    }

    private CelExpr Member(CelExpr operand)
    {
        while (true)
        {
            var position = Peek.Position;
            if (TakeOp(".") || TakeOp(".?"))
            {
                var optional = _tokens[_next - 1].Text == ".?";
                var name = Take();
                if (name.Kind != TokenKind.Ident)
                {
                    throw Error(name.Position, $"Syntax error: no viable alternative at input '.{name.Text}'");
                }

                if (!optional && TakeOp("("))
                {
                    operand = new CelCall(operand, name.Text, Arguments(")"), name.Position);
                }
                else
                {
                    operand = new CelSelect(operand, name.Text, optional, name.Position);
                }
            }
            else if (TakeOp("[") || TakeOp("[?"))
            {
                var optional = _tokens[_next - 1].Text == "[?";
                var key = Conditional();
                Expect("]");
                operand = new CelIndex(operand, key, optional, position);
            }
            else
            {
                return operand;
            }
        }
    }

    private List<CelExpr> Arguments(string close)
    {
        var args = new List<CelExpr>();
        if (TakeOp(close))
        {
            return args;
        }

        do
        {
            if (Peek.Kind == TokenKind.Op && Peek.Text == close)
            {
                break; // a trailing comma
            }

            args.Add(Conditional());
        }
        while (TakeOp(","));
        Expect(close);
        return args;
    }

    private CelExpr Primary()
    {
        var token = Take();
        switch (token.Kind)
        {
            case TokenKind.Int:
                if ((decimal)token.Value! > long.MaxValue)
                {
                    throw Error(token.Position, "invalid int literal");
                }

                return new CelLiteral((long)(decimal)token.Value!, token.Position);
            case TokenKind.Double or TokenKind.String:
                return new CelLiteral(token.Value, token.Position);
            case TokenKind.Ident:
                switch (token.Text)
                {
                    case "true":
                        return new CelLiteral(true, token.Position);
                    case "false":
                        return new CelLiteral(false, token.Position);
                    case "null":
                        return new CelLiteral(null, token.Position);
                }

                if (TakeOp("("))
                {
                    return new CelCall(null, token.Text, Arguments(")"), token.Position);
                }

                return new CelIdent(token.Text, token.Position);
            case TokenKind.Op when token.Text == "(":
                var inner = Conditional();
                Expect(")");
                return inner;
            case TokenKind.Op when token.Text == "[":
                return new CelList(Arguments("]"), token.Position);
            case TokenKind.Op when token.Text == "{":
                var entries = new List<(CelExpr, CelExpr)>();
                if (!TakeOp("}"))
                {
                    do
                    {
                        if (Peek.Kind == TokenKind.Op && Peek.Text == "}")
                        {
                            break;
                        }

                        var key = Conditional();
                        Expect(":");
                        entries.Add((key, Conditional()));
                    }
                    while (TakeOp(","));
                    Expect("}");
                }

                return new CelMap(entries, token.Position);
            default:
                throw Error(token.Position, $"Syntax error: mismatched input '{(token.Kind == TokenKind.End ? "<EOF>" : token.Text)}'");
        }
    }

    private static readonly string[] Operators = ["||", "&&", "==", "!=", "<=", ">=", ".?", "[?", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"];

    private List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i + 1 < text.Length && text[i] == '/' && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", i));
                return tokens;
            }

            var start = i;
            var c = text[i];
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(Number(text, ref i));
            }
            else if (c is '"' or '\'' || ((c is 'r' or 'R') && i + 1 < text.Length && text[i + 1] is '"' or '\''))
            {
                var raw = c is 'r' or 'R';
                i += raw ? 1 : 0;
                tokens.Add(new Token(TokenKind.String, text[start..], start, Quoted(text, ref i, raw)));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Ident, text[start..i], start));
            }
            else if (Operators.FirstOrDefault(o => string.CompareOrdinal(text, i, o, 0, o.Length) == 0) is { } op
                && !(op == "[?" && tokens.Count > 0 && tokens[^1].Kind == TokenKind.Op && tokens[^1].Text is not (")" or "]" or "}")))
            {
                // "[?" only follows an operand (a[?k]); elsewhere "[" then "?" is not valid CEL anyway.
                tokens.Add(new Token(TokenKind.Op, op, start));
                i += op.Length;
            }
            else
            {
                throw Error(start, $"Syntax error: token recognition error at: '{c}'");
            }
        }
    }

    private Token Number(string text, ref int i)
    {
        var start = i;
        if (text[i] == '0' && i + 1 < text.Length && text[i + 1] is 'x' or 'X')
        {
            i += 2;
            while (i < text.Length && char.IsAsciiHexDigit(text[i]))
            {
                i++;
            }

            var hex = ulong.Parse(text.AsSpan(start + 2, i - start - 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            SkipUnsignedSuffix(text, ref i);
            return new Token(TokenKind.Int, text[start..i], start, (decimal)hex);
        }

        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var isDouble = false;
        if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
        {
            isDouble = true;
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            isDouble = true;
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var literal = text[start..i];
        if (isDouble)
        {
            return new Token(TokenKind.Double, literal, start, double.Parse(literal, CultureInfo.InvariantCulture));
        }

        SkipUnsignedSuffix(text, ref i);
        return decimal.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new Token(TokenKind.Int, literal, start, value)
            : throw Error(start, "invalid int literal");
    }

    private static void SkipUnsignedSuffix(string text, ref int i)
    {
        if (i < text.Length && text[i] is 'u' or 'U')
        {
            i++;
        }
    }

    private string Quoted(string text, ref int i, bool raw)
    {
        var start = i;
        var quote = text[i];
        var triple = i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote;
        i += triple ? 3 : 1;
        var value = new StringBuilder();
        while (true)
        {
            if (i >= text.Length || (!triple && text[i] == '\n'))
            {
                throw Error(start, "Syntax error: token recognition error at: unterminated string");
            }

            if (text[i] == quote && (!triple || (i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote)))
            {
                i += triple ? 3 : 1;
                return value.ToString();
            }

            if (text[i] == '\\' && !raw && i + 1 < text.Length)
            {
                var e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': value.Append('\n'); break;
                    case 't': value.Append('\t'); break;
                    case 'r': value.Append('\r'); break;
                    case 'a': value.Append('\a'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'v': value.Append('\v'); break;
                    case '\\' or '\'' or '"' or '`' or '?': value.Append(e); break;
                    case 'u' when i + 4 <= text.Length:
                        value.Append((char)int.Parse(text.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    case 'x' when i + 2 <= text.Length:
                        value.Append((char)int.Parse(text.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    default:
                        throw Error(i - 2, $"Syntax error: invalid escape sequence '\\{e}'");
                }

                continue;
            }

            value.Append(text[i]);
            i++;
        }
    }
}
