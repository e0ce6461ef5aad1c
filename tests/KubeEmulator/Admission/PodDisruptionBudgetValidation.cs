using System.Text.Json.Nodes;

namespace KubeEmulator;

/// <summary>pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec: minAvailable and maxUnavailable exclusive, each an int ≥ 0 or a percent ≤ 100 %, a valid selector.</summary>
internal static class PodDisruptionBudgetValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        if (spec["minAvailable"] is not null && spec["maxUnavailable"] is not null)
        {
            errors.Add(Rules.Invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
        }

        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            var value = spec[field];
            var number = DeploymentValidation.IntOrPercent($"spec.{field}", value, errors);
            if (Rules.Text(value) is { } text && text.EndsWith('%') && number > 100)
            {
                errors.Add(Rules.Invalid($"spec.{field}", value, "must not be greater than 100%"));
            }
        }

        errors.AddRange(Rules.LabelSelector("spec.selector", spec["selector"]));
        if (spec["unhealthyPodEvictionPolicy"] is { } policy && Rules.Text(policy) is not ("IfHealthyBudget" or "AlwaysAllow"))
        {
            errors.Add(Rules.NotSupported("spec.unhealthyPodEvictionPolicy", policy, "AlwaysAllow", "IfHealthyBudget"));
        }

        return errors;
    }
}
