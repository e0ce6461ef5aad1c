using System.Text.Json.Nodes;

namespace Config.Tests.Manifests;

/// <summary>One object from a kustomize build: where it came from and its JSON.</summary>
public sealed record Manifest(string Source, JsonObject Json)
{
    public string ApiVersion => (string?)Json["apiVersion"] ?? "";

    public string Kind => (string?)Json["kind"] ?? "";

    public string Name => (string?)Json["metadata"]?["name"] ?? "";

    public string? Namespace => (string?)Json["metadata"]?["namespace"];

    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    /// <summary>Kinds the Kubernetes API serves itself (core, apps, *.k8s.io), as opposed to CRD-defined kinds.</summary>
    public bool IsBuiltIn => Group.Length == 0 || !Group.Contains('.', StringComparison.Ordinal) || Group.EndsWith(".k8s.io", StringComparison.Ordinal);

    /// <summary>The pod spec of a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), or null.</summary>
    public JsonObject? PodSpec => Kind switch
    {
        "Pod" => Json["spec"]?.AsObject(),
        "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" => Json["spec"]?["template"]?["spec"]?.AsObject(),
        "CronJob" => Json["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?.AsObject(),
        _ => null,
    };


    public override string ToString() => $"{Source}: {Kind} {Namespace}/{Name}";
}
