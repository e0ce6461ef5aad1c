using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ShopOperator.Diagnose;

/// <summary>The two outputs of diagnose: text for a person, and the stable JSON contract (docs/operations.md).</summary>
public static class DiagnosisRenderer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Text(Diagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var text = new StringBuilder();
        text.Append("ShopInstance ").Append(diagnosis.Shop).Append('\n');
        var number = 0;
        foreach (var step in diagnosis.Steps)
        {
            number++;
            text.Append($"{number}. {step.Name,-16} {step.Status.ToString().ToUpperInvariant(),-4}  {step.Message}\n");
            foreach (var line in step.Evidence)
            {
                text.Append("     - ").Append(line).Append('\n');
            }
        }

        text.Append('\n');
        if (diagnosis.FailedStep is { } failed)
        {
            var step = diagnosis.Steps.First(s => s.Name == failed);
            text.Append($"Verdict: {failed} fails: {step.Message}\n");
            if (step.Suggestion is not null)
            {
                text.Append("Next: ").Append(step.Suggestion).Append('\n');
            }
        }
        else
        {
            var warnings = diagnosis.Steps.Count(s => s.Status == StepStatus.Warn);
            text.Append(warnings == 0 ? "Verdict: every step passes.\n" : $"Verdict: no step fails ({warnings} warning(s)).\n");
        }

        return text.ToString();
    }

    public static string Json(Diagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var steps = new JsonArray();
        foreach (var step in diagnosis.Steps)
        {
            var entry = new JsonObject
            {
                ["name"] = step.Name,
                ["status"] = step.Status.ToString(),
                ["message"] = step.Message,
                ["evidence"] = new JsonArray([.. step.Evidence.Select(e => (JsonNode?)JsonValue.Create(e))]),
            };
            if (step.Suggestion is not null)
            {
                entry["suggestion"] = step.Suggestion;
            }

            steps.Add(entry);
        }

        var document = new JsonObject { ["shop"] = diagnosis.Shop, ["steps"] = steps, ["failedStep"] = diagnosis.FailedStep };
        return document.ToJsonString(Indented) + "\n";
    }
}
