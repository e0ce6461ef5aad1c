namespace KubeEmulator.Cel;

/// <summary>A parsed CEL expression. Macros (has, all, exists, exists_one, map, filter) stay calls; the evaluator expands them.</summary>
public abstract record CelExpr(int Position);

public sealed record CelLiteral(object? Value, int Position) : CelExpr(Position);

public sealed record CelIdent(string Name, int Position) : CelExpr(Position);

/// <summary><c>a.b</c>, or <c>a.?b</c> when <paramref name="Optional"/>.</summary>
public sealed record CelSelect(CelExpr Operand, string Field, bool Optional, int Position) : CelExpr(Position);

/// <summary><c>a[k]</c>, or <c>a[?k]</c> when <paramref name="Optional"/>.</summary>
public sealed record CelIndex(CelExpr Operand, CelExpr Key, bool Optional, int Position) : CelExpr(Position);

/// <summary>A global call (<paramref name="Target"/> null) or a receiver call <c>target.f(args)</c>.</summary>
public sealed record CelCall(CelExpr? Target, string Function, IReadOnlyList<CelExpr> Args, int Position) : CelExpr(Position);

public sealed record CelList(IReadOnlyList<CelExpr> Items, int Position) : CelExpr(Position);

public sealed record CelMap(IReadOnlyList<(CelExpr Key, CelExpr Value)> Entries, int Position) : CelExpr(Position);

public sealed record CelUnary(string Op, CelExpr Operand, int Position) : CelExpr(Position);

public sealed record CelBinary(string Op, CelExpr Left, CelExpr Right, int Position) : CelExpr(Position);

public sealed record CelConditional(CelExpr Condition, CelExpr Then, CelExpr Else, int Position) : CelExpr(Position);

/// <summary>A rule that does not parse or names something the environment does not know: a CRD carrying it is refused.</summary>
public sealed class CelCompileException(string message) : Exception(message);

/// <summary>An error while evaluating (no such key, no such overload, division by zero...): the rule fails with it.</summary>
public sealed class CelEvaluationException(string message) : Exception(message);
