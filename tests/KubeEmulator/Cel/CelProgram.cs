using System.Globalization;

namespace KubeEmulator.Cel;

/// <summary>
/// A compiled CEL expression: parsed, and every identifier and function checked against the environment
/// (the variables given, the CEL standard functions and the Kubernetes CEL libraries in <see cref="CelFunctions"/>).
/// </summary>
public sealed class CelProgram
{
    private readonly CelExpr _root;

    private CelProgram(string text, CelExpr root, IReadOnlySet<string> variables)
    {
        Text = text;
        _root = root;
        References = variables.Where(v => Uses(root, v)).ToHashSet(StringComparer.Ordinal);
    }

    public string Text { get; }

    /// <summary>The declared variables the expression mentions (a rule naming <c>oldSelf</c> is a transition rule).</summary>
    public IReadOnlySet<string> References { get; }

    /// <summary>Parses and checks <paramref name="text"/>; throws <see cref="CelCompileException"/> in cel-go's message shape.</summary>
    public static CelProgram Compile(string text, IReadOnlySet<string> variables)
    {
        var root = CelParser.Parse(text);
        Check(root, variables, new HashSet<string>(StringComparer.Ordinal));
        return new CelProgram(text, root, variables);
    }

    public object? Evaluate(IReadOnlyDictionary<string, object?> variables) => new Evaluator(variables).Eval(_root, null);

    private static readonly HashSet<string> Macros = new(StringComparer.Ordinal) { "all", "exists", "exists_one", "map", "filter" };

    private static void Check(CelExpr expr, IReadOnlySet<string> variables, IReadOnlySet<string> bound)
    {
        switch (expr)
        {
            case CelIdent ident when !variables.Contains(ident.Name) && !bound.Contains(ident.Name):
                throw new CelCompileException($"ERROR: <input>:1:{ident.Position + 1}: undeclared reference to '{ident.Name}' (in container '')");
            case CelSelect select:
                Check(select.Operand, variables, bound);
                break;
            case CelIndex index:
                Check(index.Operand, variables, bound);
                Check(index.Key, variables, bound);
                break;
            case CelCall { Target: CelIdent { Name: "optional" } ns } call when !variables.Contains(ns.Name) && !bound.Contains(ns.Name):
                if (call.Function is not ("of" or "none" or "ofNonZeroValue"))
                {
                    throw new CelCompileException($"ERROR: <input>:1:{call.Position + 1}: undeclared reference to 'optional.{call.Function}' (in container '')");
                }

                call.Args.ToList().ForEach(a => Check(a, variables, bound));
                break;
            case CelCall { Target: null, Function: "has" } has:
                if (has.Args is not [CelSelect { Optional: false } field])
                {
                    throw new CelCompileException($"ERROR: <input>:1:{has.Position + 1}: invalid argument to has() macro");
                }

                Check(field.Operand, variables, bound);
                break;
            case CelCall { Target: { } target } macro when Macros.Contains(macro.Function):
                Check(target, variables, bound);
                var arity = macro.Function == "map" ? macro.Args.Count is 2 or 3 : macro.Args.Count == 2;
                if (!arity || macro.Args[0] is not CelIdent variable)
                {
                    throw new CelCompileException($"ERROR: <input>:1:{macro.Position + 1}: {macro.Function}() variable name must be a simple identifier");
                }

                var inner = new HashSet<string>(bound, StringComparer.Ordinal) { variable.Name };
                macro.Args.Skip(1).ToList().ForEach(a => Check(a, variables, inner));
                break;
            case CelCall call:
                if (!CelFunctions.IsKnown(call.Function, call.Target is not null))
                {
                    throw new CelCompileException($"ERROR: <input>:1:{call.Position + 1}: undeclared reference to '{call.Function}' (in container '')");
                }

                if (call.Target is not null)
                {
                    Check(call.Target, variables, bound);
                }

                call.Args.ToList().ForEach(a => Check(a, variables, bound));
                break;
            case CelList list:
                list.Items.ToList().ForEach(i => Check(i, variables, bound));
                break;
            case CelMap map:
                map.Entries.ToList().ForEach(e =>
                {
                    Check(e.Key, variables, bound);
                    Check(e.Value, variables, bound);
                });
                break;
            case CelUnary unary:
                Check(unary.Operand, variables, bound);
                break;
            case CelBinary binary:
                Check(binary.Left, variables, bound);
                Check(binary.Right, variables, bound);
                break;
            case CelConditional conditional:
                Check(conditional.Condition, variables, bound);
                Check(conditional.Then, variables, bound);
                Check(conditional.Else, variables, bound);
                break;
        }
    }

    private static bool Uses(CelExpr expr, string name) => expr switch
    {
        CelIdent ident => ident.Name == name,
        CelSelect s => Uses(s.Operand, name),
        CelIndex i => Uses(i.Operand, name) || Uses(i.Key, name),
        CelCall c => (c.Target is not null && Uses(c.Target, name)) || c.Args.Any(a => Uses(a, name)),
        CelList l => l.Items.Any(i => Uses(i, name)),
        CelMap m => m.Entries.Any(e => Uses(e.Key, name) || Uses(e.Value, name)),
        CelUnary u => Uses(u.Operand, name),
        CelBinary b => Uses(b.Left, name) || Uses(b.Right, name),
        CelConditional c => Uses(c.Condition, name) || Uses(c.Then, name) || Uses(c.Else, name),
        _ => false,
    };

    /// <summary>Comprehension variables, innermost first, over the program's variables.</summary>
    private sealed record Scope(string Name, object? Value, Scope? Parent);

    private sealed class Evaluator(IReadOnlyDictionary<string, object?> variables)
    {
        public object? Eval(CelExpr expr, Scope? scope)
        {
            switch (expr)
            {
                case CelLiteral literal:
                    return literal.Value;
                case CelIdent ident:
                    for (var s = scope; s is not null; s = s.Parent)
                    {
                        if (s.Name == ident.Name)
                        {
                            return s.Value;
                        }
                    }

                    return variables.TryGetValue(ident.Name, out var value) ? value : throw new CelEvaluationException($"no such attribute: {ident.Name}");
                case CelSelect select:
                    return Select(Eval(select.Operand, scope), select.Field, select.Optional);
                case CelIndex index:
                    return Index(Eval(index.Operand, scope), Eval(index.Key, scope), index.Optional);
                case CelList list:
                    return list.Items.Select(i => Eval(i, scope)).ToList();
                case CelMap map:
                    var result = new Dictionary<object, object?>();
                    foreach (var (k, v) in map.Entries)
                    {
                        var key = Eval(k, scope) ?? throw new CelEvaluationException("unsupported key type: null_type");
                        if (!result.TryAdd(key, Eval(v, scope)))
                        {
                            throw new CelEvaluationException($"Failed with repeated key: {key}");
                        }
                    }

                    return result;
                case CelUnary { Op: "!" } not:
                    return Eval(not.Operand, scope) is bool b ? !b : throw NoOverload("!_", Eval(not.Operand, scope));
                case CelUnary negate:
                    return Eval(negate.Operand, scope) switch
                    {
                        long l when l != long.MinValue => -l,
                        long => throw new CelEvaluationException("integer overflow"),
                        double d => -d,
                        var other => throw NoOverload("-_", other),
                    };
                case CelConditional conditional:
                    return Eval(conditional.Condition, scope) switch
                    {
                        true => Eval(conditional.Then, scope),
                        false => Eval(conditional.Else, scope),
                        var other => throw NoOverload("_?_:_", other),
                    };
                case CelBinary { Op: "||" or "&&" } logical:
                    return Logical(logical, scope);
                case CelBinary binary:
                    return CelFunctions.Binary(binary.Op, Eval(binary.Left, scope), Eval(binary.Right, scope));
                case CelCall { Target: null, Function: "has" } has:
                    var field = (CelSelect)has.Args[0];
                    return Eval(field.Operand, scope) switch
                    {
                        IReadOnlyDictionary<object, object?> m => m.ContainsKey(field.Field),
                        var other => throw NoOverload("has", other),
                    };
                case CelCall { Target: CelIdent { Name: "optional" } } optional when !variables.ContainsKey("optional"):
                    return optional.Function switch
                    {
                        "none" => CelOptional.None,
                        "of" => new CelOptional(true, Eval(optional.Args[0], scope)),
                        _ => Eval(optional.Args[0], scope) is var v && IsZero(v) ? CelOptional.None : new CelOptional(true, v),
                    };
                case CelCall { Target: { } target, Args: [CelIdent variable, ..] } macro when Macros.Contains(macro.Function):
                    return Comprehension(macro, Eval(target, scope), variable.Name, scope);
                case CelCall call:
                    var receiver = call.Target is null ? null : Eval(call.Target, scope);
                    var args = call.Args.Select(a => Eval(a, scope)).ToArray();
                    return CelFunctions.Call(call.Function, call.Target is not null, receiver, args);
                default:
                    throw new CelEvaluationException($"unsupported expression {expr.GetType().Name}");
            }
        }

        private object? Logical(CelBinary op, Scope? scope)
        {
            // CEL's commutative logic: a decisive operand wins over an error on the other side.
            var decisive = op.Op == "||";
            CelEvaluationException? error = null;
            foreach (var side in new[] { op.Left, op.Right })
            {
                try
                {
                    switch (Eval(side, scope))
                    {
                        case bool b when b == decisive:
                            return decisive;
                        case bool:
                            break;
                        case var other:
                            error ??= NoOverload(op.Op == "||" ? "_||_" : "_&&_", other);
                            break;
                    }
                }
                catch (CelEvaluationException e)
                {
                    error ??= e;
                }
            }

            return error is null ? !decisive : throw error;
        }

        private object? Comprehension(CelCall macro, object? range, string name, Scope? scope)
        {
            IEnumerable<object?> items = range switch
            {
                IReadOnlyList<object?> list => list,
                IReadOnlyDictionary<object, object?> map => map.Keys.Cast<object?>(),
                _ => throw NoOverload(macro.Function, range),
            };
            var body = macro.Args[1];
            switch (macro.Function)
            {
                case "all" or "exists":
                    var decisive = macro.Function == "exists";
                    CelEvaluationException? error = null;
                    foreach (var item in items)
                    {
                        try
                        {
                            var r = Eval(body, new Scope(name, item, scope));
                            if (r is not bool b)
                            {
                                throw NoOverload(macro.Function, r);
                            }

                            if (b == decisive)
                            {
                                return decisive;
                            }
                        }
                        catch (CelEvaluationException e)
                        {
                            error ??= e;
                        }
                    }

                    return error is null ? !decisive : throw error;
                case "exists_one":
                    return items.Count(item => Eval(body, new Scope(name, item, scope)) is true) == 1;
                case "filter":
                    return items.Where(item => Eval(body, new Scope(name, item, scope)) is true).ToList();
                default:
                    var transform = macro.Args[^1];
                    return items
                        .Where(item => macro.Args.Count == 2 || Eval(macro.Args[1], new Scope(name, item, scope)) is true)
                        .Select(item => Eval(transform, new Scope(name, item, scope)))
                        .ToList();
            }
        }

        private static object? Select(object? operand, string field, bool optional)
        {
            if (operand is CelOptional opt)
            {
                return opt.HasValue ? Select(opt.Value, field, optional: true) : CelOptional.None;
            }

            if (operand is IReadOnlyDictionary<object, object?> map)
            {
                if (map.TryGetValue(field, out var value))
                {
                    return optional ? new CelOptional(true, value) : value;
                }

                return optional ? CelOptional.None : throw new CelEvaluationException($"no such key: {field}");
            }

            return operand switch
            {
                Uri or CelPathUrl or CelQuantity => throw new CelEvaluationException($"no such key: {field}"),
                _ => throw NoOverload("_." + field, operand),
            };
        }

        private static object? Index(object? operand, object? key, bool optional)
        {
            if (operand is CelOptional opt)
            {
                return opt.HasValue ? Index(opt.Value, key, optional: true) : CelOptional.None;
            }

            switch (operand, key)
            {
                case (IReadOnlyList<object?> list, long i):
                    if (i >= 0 && i < list.Count)
                    {
                        return optional ? new CelOptional(true, list[(int)i]) : list[(int)i];
                    }

                    return optional ? CelOptional.None : throw new CelEvaluationException($"index out of bounds: {i}");
                case (IReadOnlyList<object?> list, double d) when d == Math.Floor(d):
                    return Index(list, (long)d, optional);
                case (IReadOnlyDictionary<object, object?> map, not null):
                    var found = map.TryGetValue(key, out var value)
                        || (key is double d2 && d2 == Math.Floor(d2) && map.TryGetValue((long)d2, out value));
                    if (found)
                    {
                        return optional ? new CelOptional(true, value) : value;
                    }

                    return optional ? CelOptional.None : throw new CelEvaluationException($"no such key: {key}");
                default:
                    throw NoOverload("_[_]", operand, key);
            }
        }

        private static bool IsZero(object? value) => value switch
        {
            null or false or 0L or 0d or "" => true,
            IReadOnlyList<object?> l => l.Count == 0,
            IReadOnlyDictionary<object, object?> m => m.Count == 0,
            _ => false,
        };
    }

    internal static CelEvaluationException NoOverload(string function, params object?[] args) =>
        new($"no such overload: {function}({string.Join(", ", args.Select(CelValues.TypeName))})");

    internal static string Show(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Show)) + "]",
        IReadOnlyDictionary<object, object?> map => "{" + string.Join(", ", map.Select(p => Show(p.Key) + ": " + Show(p.Value))) + "}",
        _ => value.ToString() ?? "",
    };

    /// <summary><c>list.join(separator)</c>: the list must hold strings only.</summary>
    internal static string Join(IEnumerable<object?> items, string separator) =>
        string.Join(separator, items.Select(item => item as string ?? throw NoOverload("join", item)));
}
