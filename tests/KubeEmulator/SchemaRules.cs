using System.Text;
using System.Text.Json.Nodes;
using KubeEmulator.Cel;

namespace KubeEmulator;

/// <summary>
/// "Validation rules" (x-kubernetes-validations) of a CRD schema, evaluated as the apiserver does after pruning,
/// defaulting and the OpenAPI checks: <c>self</c> is the value at the rule's node, <c>oldSelf</c> the correlated old
/// value on an update (a transition rule is skipped when there is none, unless <c>optionalOldSelf</c>). A rule
/// that does not hold gives its <c>messageExpression</c>, <c>message</c> or "failed rule: ..." at the node's path
/// (plus <c>fieldPath</c>), as <c>reason</c> says (FieldValueInvalid by default).
/// </summary>
internal static class SchemaRules
{
    public static readonly IReadOnlySet<string> Variables = new HashSet<string>(StringComparer.Ordinal) { "self", "oldSelf" };

    /// <summary>OpenAPI errors that stop the rules from running ("some validation rules were not checked...").</summary>
    public static bool IsBlocking(string message) =>
        message.StartsWith("Unsupported value", StringComparison.Ordinal)
        || message.StartsWith("Required value", StringComparison.Ordinal)
        || message.StartsWith("Too long", StringComparison.Ordinal)
        || message.StartsWith("Too many", StringComparison.Ordinal)
        || message.Contains(" in body must be of type ", StringComparison.Ordinal);

    public static void Validate(JsonObject schema, JsonObject obj, JsonObject? old, List<(string, string)> errors)
    {
        if (errors.Any(e => IsBlocking(e.Item2)))
        {
            errors.Add(("<nil>", "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"));
            return;
        }

        // At the root, self.metadata holds only name and generateName ("Validation rules", scope of self).
        Walk(schema, RootView(obj), old is null ? null : RootView(old), "", errors);
    }

    private static JsonObject RootView(JsonObject obj)
    {
        var view = (JsonObject)obj.DeepClone();
        var meta = new JsonObject();
        foreach (var key in new[] { "name", "generateName" })
        {
            if (obj["metadata"]?[key] is { } v)
            {
                meta[key] = v.DeepClone();
            }
        }

        view["metadata"] = meta;
        return view;
    }

    private static void Walk(JsonObject schema, JsonNode? value, JsonNode? old, string path, List<(string, string)> errors)
    {
        if (value is null)
        {
            return;
        }

        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i] is JsonObject rule)
                {
                    Evaluate(schema, rule, value, old, path, errors);
                }
            }
        }

        switch (value)
        {
            case JsonObject o:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in o)
                {
                    if (path.Length == 0 && key is "apiVersion" or "kind" or "metadata")
                    {
                        continue;
                    }

                    if (properties?[key] is JsonObject childSchema)
                    {
                        Walk(childSchema, child, (old as JsonObject)?[key], path.Length == 0 ? key : $"{path}.{key}", errors);
                    }
                    else if (additional is not null)
                    {
                        Walk(additional, child, (old as JsonObject)?[key], $"{path}[{key}]", errors);
                    }
                }

                break;
            case JsonArray a when schema["items"] is JsonObject items:
                for (var i = 0; i < a.Count; i++)
                {
                    Walk(items, a[i], Correlate(schema, a[i], old as JsonArray), $"{path}[{i}]", errors);
                }

                break;
        }
    }

    /// <summary>
    /// The old item an item is compared with: the one with the same map keys in a list-type map. Items of a set
    /// or an atomic list have none ("uncorrelatable"), so transition rules under them do not run.
    /// </summary>
    private static JsonNode? Correlate(JsonObject schema, JsonNode? item, JsonArray? old)
    {
        if (old is null || item is null || schema["x-kubernetes-list-type"]?.GetValue<string>() != "map")
        {
            return null;
        }

        var keys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList() ?? [];
        return old.FirstOrDefault(o => keys.All(k => JsonNode.DeepEquals(o?[k], item[k])));
    }

    private static void Evaluate(JsonObject schema, JsonObject rule, JsonNode value, JsonNode? old, string path, List<(string, string)> errors)
    {
        var text = rule["rule"]?.GetValue<string>() ?? "";
        var type = schema["type"]?.GetValue<string>() ?? "";
        var at = path.Length == 0 ? "<nil>" : path;
        CelProgram program;
        try
        {
            program = CelProgram.Compile(text, Variables);
        }
        catch (CelCompileException e)
        {
            errors.Add((at, $"Invalid value: \"{type}\": compilation failed: {e.Message}"));
            return;
        }

        var optionalOld = rule["optionalOldSelf"]?.GetValue<bool>() == true;
        var transition = program.References.Contains("oldSelf");
        if (transition && old is null && !optionalOld)
        {
            return;
        }

        // "Validation ratcheting": an unchanged value keeps passing on update even if a rule now fails it.
        if (!transition && old is not null && JsonNode.DeepEquals(value, old))
        {
            return;
        }

        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["self"] = CelValues.FromJson(value),
            ["oldSelf"] = optionalOld
                ? (old is null ? CelOptional.None : new CelOptional(true, CelValues.FromJson(old)))
                : CelValues.FromJson(old),
        };
        object? result;
        try
        {
            result = program.Evaluate(variables);
        }
        catch (CelEvaluationException e)
        {
            errors.Add((at, $"Invalid value: \"{type}\": {e.Message} evaluating rule: {text.Trim()}"));
            return;
        }

        if (result is true)
        {
            return;
        }

        if (result is not bool)
        {
            errors.Add((at, $"Invalid value: \"{type}\": rule did not evaluate to a boolean: {text.Trim()}"));
            return;
        }

        var message = MessageOf(rule, variables) ?? rule["message"]?.GetValue<string>() ?? $"failed rule: {text.Trim()}";
        var target = rule["fieldPath"]?.GetValue<string>() is { Length: > 0 } fieldPath ? Append(path, fieldPath) : at;
        errors.Add((target, rule["reason"]?.GetValue<string>() switch
        {
            "FieldValueForbidden" => $"Forbidden: {message}",
            "FieldValueRequired" => $"Required value: {message}",
            "FieldValueDuplicate" => $"Duplicate value: \"{type}\"",
            _ => $"Invalid value: \"{type}\": {message}",
        }));
    }

    /// <summary>A messageExpression's string; an error, a non-string or a blank or multi-line result falls back to message.</summary>
    private static string? MessageOf(JsonObject rule, Dictionary<string, object?> variables)
    {
        if (rule["messageExpression"]?.GetValue<string>() is not { Length: > 0 } expression)
        {
            return null;
        }

        try
        {
            return CelProgram.Compile(expression, Variables).Evaluate(variables) is string s && s.Trim().Length > 0 && !s.Contains('\n', StringComparison.Ordinal)
                ? s
                : null;
        }
        catch (Exception e) when (e is CelCompileException or CelEvaluationException)
        {
            return null;
        }
    }

    /// <summary>A rule's fieldPath (".a.b", ".a['x.y']", ".a[0]") appended to the node's path, as field.Path prints it.</summary>
    public static string Append(string path, string fieldPath)
    {
        var result = new StringBuilder(path);
        foreach (var step in Steps(fieldPath))
        {
            if (step.StartsWith('['))
            {
                result.Append(step);
            }
            else
            {
                result.Append(result.Length == 0 ? "" : ".").Append(step);
            }
        }

        return result.Length == 0 ? "<nil>" : result.ToString();
    }

    /// <summary>The steps of a fieldPath: names, and "[key]" or "[index]" for subscripts; null when it does not parse.</summary>
    public static List<string>? TrySteps(string fieldPath)
    {
        try
        {
            return Steps(fieldPath);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static List<string> Steps(string fieldPath)
    {
        var steps = new List<string>();
        var i = 0;
        while (i < fieldPath.Length)
        {
            if (fieldPath[i] == '.')
            {
                var end = i + 1;
                while (end < fieldPath.Length && fieldPath[end] is not ('.' or '['))
                {
                    end++;
                }

                steps.Add(end > i + 1 ? fieldPath[(i + 1)..end] : throw new FormatException("empty field name"));
                i = end;
            }
            else if (fieldPath[i] == '[')
            {
                var end = fieldPath.IndexOf(']', i);
                if (end < 0)
                {
                    throw new FormatException("unclosed subscript");
                }

                var inside = fieldPath[(i + 1)..end].Trim('\'');
                steps.Add($"[{inside}]");
                i = end + 1;
            }
            else
            {
                throw new FormatException("a step starts with '.' or '['");
            }
        }

        return steps;
    }
}
