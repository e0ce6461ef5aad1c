using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/apps/validation ValidateDeployment: selector, template (a pod spec with restartPolicy Always), strategy, counts.</summary>
internal static class DeploymentValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        errors.AddRange(Rules.NonNegative("spec.replicas", spec["replicas"]));
        errors.AddRange(Rules.NonNegative("spec.revisionHistoryLimit", spec["revisionHistoryLimit"]));
        errors.AddRange(Rules.NonNegative("spec.minReadySeconds", spec["minReadySeconds"]));
        var selector = spec["selector"];
        if (selector is null)
        {
            errors.Add(Rules.Required("spec.selector"));
        }
        else
        {
            errors.AddRange(Rules.LabelSelector("spec.selector", selector));
            if (selector["matchLabels"] is not JsonObject { Count: > 0 } && selector["matchExpressions"] is not JsonArray { Count: > 0 })
            {
                errors.Add(Rules.Invalid("spec.selector", selector, "empty selector is invalid for deployment"));
            }
            else if (old is not null && !JsonNode.DeepEquals(selector, old["spec"]?["selector"]))
            {
                errors.Add(new FieldError("spec.selector", $"Invalid value: {Rules.Show(selector)}: field is immutable"));
            }
            else if (!Rules.Selects(selector, spec["template"]?["metadata"]?["labels"] as JsonObject))
            {
                errors.Add(new FieldError("spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`"));
            }
        }

        errors.AddRange(Rules.LabelMap("spec.template.metadata.labels", spec["template"]?["metadata"]?["labels"]));
        errors.AddRange(PodSpecValidation.Validate("spec.template.spec", spec["template"]?["spec"]));
        if (spec["template"]?["spec"]?["restartPolicy"] is { } restart && Rules.Text(restart) != "Always")
        {
            errors.Add(Rules.NotSupported("spec.template.spec.restartPolicy", restart, "Always"));
        }

        var strategy = spec["strategy"];
        if (strategy?["type"] is { } type && Rules.Text(type) is not ("Recreate" or "RollingUpdate"))
        {
            errors.Add(Rules.NotSupported("spec.strategy.type", type, "Recreate", "RollingUpdate"));
        }
        else if (Rules.Text(strategy?["type"]) == "Recreate" && strategy?["rollingUpdate"] is not null)
        {
            errors.Add(Rules.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
        }

        if (strategy?["rollingUpdate"] is JsonObject rolling)
        {
            var surge = IntOrPercent("spec.strategy.rollingUpdate.maxSurge", rolling["maxSurge"], errors);
            var unavailable = IntOrPercent("spec.strategy.rollingUpdate.maxUnavailable", rolling["maxUnavailable"], errors);
            if (surge == 0 && unavailable == 0)
            {
                errors.Add(Rules.Invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling["maxUnavailable"], "may not be 0 when `maxSurge` is 0"));
            }

            if (Rules.Text(rolling["maxUnavailable"]) is { } percent && percent.EndsWith('%') && unavailable > 100)
            {
                errors.Add(Rules.Invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling["maxUnavailable"], "must not be greater than 100%"));
            }
        }

        if (spec["progressDeadlineSeconds"] is { } deadline)
        {
            errors.AddRange(Rules.NonNegative("spec.progressDeadlineSeconds", deadline));
            if (Rules.Int(deadline) is { } d && d <= (Rules.Int(spec["minReadySeconds"]) ?? 0))
            {
                errors.Add(Rules.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }

        return errors;
    }

    /// <summary>ValidatePositiveIntOrPercent: a non-negative integer or "N%"; returns the number (or percent) for the 0/0 check.</summary>
    internal static int? IntOrPercent(string field, JsonNode? value, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (Rules.Text(value) is { } text)
        {
            if (!text.EndsWith('%') || !int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var percent))
            {
                errors.Add(Rules.Invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
                return null;
            }

            return percent;
        }

        var number = Rules.Int(value);
        if (number is < 0)
        {
            errors.Add(Rules.Invalid(field, value, "must be greater than or equal to 0"));
        }

        return number;
    }
}
