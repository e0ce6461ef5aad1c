namespace KubeEmulator;

/// <summary>How one field is written on the wire and shown in JSON.</summary>
public enum ProtoType
{
    /// <summary>string ↔ JSON string.</summary>
    String,

    /// <summary>bool (varint) ↔ JSON boolean.</summary>
    Bool,

    /// <summary>int32 or int64 (varint) ↔ JSON number.</summary>
    Int,

    /// <summary>bytes ↔ JSON base64 string.</summary>
    Bytes,

    /// <summary>A nested message ↔ JSON object.</summary>
    Message,

    /// <summary>A Go embedded struct (protobuf field, JSON <c>inline</c>): its fields sit in the parent's JSON object.</summary>
    Embedded,

    /// <summary>repeated message ↔ JSON array of objects.</summary>
    Messages,

    /// <summary>repeated string ↔ JSON array of strings.</summary>
    Strings,

    /// <summary>repeated int64 (unpacked as Go writes it; packed accepted) ↔ JSON array of numbers.</summary>
    Ints,

    /// <summary>map&lt;string, string&gt; ↔ JSON object.</summary>
    StringMap,

    /// <summary>map&lt;string, bytes&gt; ↔ JSON object of base64 strings.</summary>
    BytesMap,

    /// <summary>map&lt;string, resource.Quantity&gt; ↔ JSON object of quantity strings.</summary>
    QuantityMap,

    /// <summary>meta/v1 Time {1 seconds, 2 nanos} ↔ RFC 3339 string (seconds, as metav1.Time marshals JSON).</summary>
    Time,

    /// <summary>intstr.IntOrString {1 type, 2 intVal, 3 strVal} ↔ JSON number or string.</summary>
    IntOrString,

    /// <summary>resource.Quantity {1 string} ↔ JSON string.</summary>
    Quantity,

    /// <summary>meta/v1 FieldsV1 {1 Raw} ↔ the JSON object held in Raw.</summary>
    RawJson,
}

/// <summary>
/// A field of a generated.proto message: its number, JSON name and type; <paramref name="Pointer"/> when the Go field is
/// a pointer, so a zero value is sent and kept (a non-pointer zero is written by Go's marshaller and omitted from JSON).
/// </summary>
public sealed record ProtoField(int Number, string Name, ProtoType Type, ProtoMessage? Message = null, bool Pointer = false);

/// <summary>A message of k8s.io/api or apimachinery generated.proto, with the fields the emulator reads and writes.</summary>
public sealed class ProtoMessage
{
    public ProtoMessage(string name, params ProtoField[] fields)
    {
        Name = name;
        Fields = fields;
        ByNumber = fields.ToDictionary(f => f.Number);
    }

    public string Name { get; }

    public IReadOnlyList<ProtoField> Fields { get; }

    public IReadOnlyDictionary<int, ProtoField> ByNumber { get; }
}

/// <summary>
/// Field numbers of the messages the emulator encodes (answers) and decodes (request bodies), from upstream
/// <c>staging/src/k8s.io/api/core/v1/generated.proto</c>, <c>api/apps/v1/generated.proto</c>, <c>api/rbac/v1/generated.proto</c>,
/// <c>apimachinery/pkg/apis/meta/v1/generated.proto</c>, <c>pkg/util/intstr</c> and <c>pkg/api/resource</c>.
/// A message lists a subset of its upstream fields; an object holding another field is answered in JSON, and a
/// request body holding one is refused (see <see cref="Protobuf"/>).
/// </summary>
public static class ProtobufSchema
{
    private static ProtoField F(int number, string name, ProtoType type, ProtoMessage? message = null) => new(number, name, type, message);

    private static ProtoField P(int number, string name, ProtoType type, ProtoMessage? message = null) => new(number, name, type, message, Pointer: true);

    // k8s.io.apimachinery.pkg.apis.meta.v1
    private static readonly ProtoMessage ManagedFieldsEntry = new(
        "ManagedFieldsEntry",
        F(1, "manager", ProtoType.String), F(2, "operation", ProtoType.String), F(3, "apiVersion", ProtoType.String), P(4, "time", ProtoType.Time),
        F(6, "fieldsType", ProtoType.String), P(7, "fieldsV1", ProtoType.RawJson), F(8, "subresource", ProtoType.String));

    private static readonly ProtoMessage OwnerReference = new(
        "OwnerReference",
        F(5, "apiVersion", ProtoType.String), F(1, "kind", ProtoType.String), F(3, "name", ProtoType.String), F(4, "uid", ProtoType.String),
        P(6, "controller", ProtoType.Bool), P(7, "blockOwnerDeletion", ProtoType.Bool));

    private static readonly ProtoMessage ObjectMeta = new(
        "ObjectMeta",
        F(1, "name", ProtoType.String), F(2, "generateName", ProtoType.String), F(3, "namespace", ProtoType.String), F(4, "selfLink", ProtoType.String),
        F(5, "uid", ProtoType.String), F(6, "resourceVersion", ProtoType.String), F(7, "generation", ProtoType.Int), F(8, "creationTimestamp", ProtoType.Time),
        P(9, "deletionTimestamp", ProtoType.Time), P(10, "deletionGracePeriodSeconds", ProtoType.Int), F(11, "labels", ProtoType.StringMap),
        F(12, "annotations", ProtoType.StringMap), F(13, "ownerReferences", ProtoType.Messages, OwnerReference), F(14, "finalizers", ProtoType.Strings),
        F(17, "managedFields", ProtoType.Messages, ManagedFieldsEntry));

    private static readonly ProtoMessage ListMeta = new(
        "ListMeta",
        F(1, "selfLink", ProtoType.String), F(2, "resourceVersion", ProtoType.String), F(3, "continue", ProtoType.String), P(4, "remainingItemCount", ProtoType.Int));

    private static readonly ProtoMessage LabelSelectorRequirement = new(
        "LabelSelectorRequirement",
        F(1, "key", ProtoType.String), F(2, "operator", ProtoType.String), F(3, "values", ProtoType.Strings));

    private static readonly ProtoMessage LabelSelector = new(
        "LabelSelector",
        F(1, "matchLabels", ProtoType.StringMap), F(2, "matchExpressions", ProtoType.Messages, LabelSelectorRequirement));

    private static readonly ProtoMessage Condition = new(
        "Condition",
        F(1, "type", ProtoType.String), F(2, "status", ProtoType.String), F(3, "observedGeneration", ProtoType.Int), F(4, "lastTransitionTime", ProtoType.Time),
        F(5, "reason", ProtoType.String), F(6, "message", ProtoType.String));

    private static readonly ProtoMessage StatusCause = new(
        "StatusCause",
        F(1, "reason", ProtoType.String), F(2, "message", ProtoType.String), F(3, "field", ProtoType.String));

    private static readonly ProtoMessage StatusDetails = new(
        "StatusDetails",
        F(1, "name", ProtoType.String), F(2, "group", ProtoType.String), F(3, "kind", ProtoType.String), F(6, "uid", ProtoType.String),
        F(4, "causes", ProtoType.Messages, StatusCause), F(5, "retryAfterSeconds", ProtoType.Int));

    private static readonly ProtoMessage Status = new(
        "Status",
        F(1, "metadata", ProtoType.Message, ListMeta), F(2, "status", ProtoType.String), F(3, "message", ProtoType.String), F(4, "reason", ProtoType.String),
        P(5, "details", ProtoType.Message, StatusDetails), F(6, "code", ProtoType.Int));

    // k8s.io.api.core.v1
    private static readonly ProtoMessage LocalObjectReference = new("LocalObjectReference", F(1, "name", ProtoType.String));

    private static readonly ProtoMessage ObjectReference = new(
        "ObjectReference",
        F(1, "kind", ProtoType.String), F(2, "namespace", ProtoType.String), F(3, "name", ProtoType.String), F(4, "uid", ProtoType.String),
        F(5, "apiVersion", ProtoType.String), F(6, "resourceVersion", ProtoType.String), F(7, "fieldPath", ProtoType.String));

    private static readonly ProtoMessage NamespaceCondition = new(
        "NamespaceCondition",
        F(1, "type", ProtoType.String), F(2, "status", ProtoType.String), F(4, "lastTransitionTime", ProtoType.Time), F(5, "reason", ProtoType.String),
        F(6, "message", ProtoType.String));

    private static readonly ProtoMessage Namespace = new(
        "Namespace",
        F(1, "metadata", ProtoType.Message, ObjectMeta),
        F(2, "spec", ProtoType.Message, new ProtoMessage("NamespaceSpec", F(1, "finalizers", ProtoType.Strings))),
        F(3, "status", ProtoType.Message, new ProtoMessage("NamespaceStatus", F(1, "phase", ProtoType.String), F(2, "conditions", ProtoType.Messages, NamespaceCondition))));

    private static readonly ProtoMessage Secret = new(
        "Secret",
        F(1, "metadata", ProtoType.Message, ObjectMeta), P(5, "immutable", ProtoType.Bool), F(2, "data", ProtoType.BytesMap), F(4, "stringData", ProtoType.StringMap),
        F(3, "type", ProtoType.String));

    private static readonly ProtoMessage ConfigMap = new(
        "ConfigMap",
        F(1, "metadata", ProtoType.Message, ObjectMeta), P(4, "immutable", ProtoType.Bool), F(2, "data", ProtoType.StringMap), F(3, "binaryData", ProtoType.BytesMap));

    private static readonly ProtoMessage ServiceAccount = new(
        "ServiceAccount",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "secrets", ProtoType.Messages, ObjectReference),
        F(3, "imagePullSecrets", ProtoType.Messages, LocalObjectReference), P(4, "automountServiceAccountToken", ProtoType.Bool));

    private static readonly ProtoMessage KeyToPath = new(
        "KeyToPath",
        F(1, "key", ProtoType.String), F(2, "path", ProtoType.String), P(3, "mode", ProtoType.Int));

    private static readonly ProtoMessage VolumeSource = new(
        "VolumeSource",
        P(2, "emptyDir", ProtoType.Message, new ProtoMessage("EmptyDirVolumeSource", F(1, "medium", ProtoType.String), P(2, "sizeLimit", ProtoType.Quantity))),
        P(6, "secret", ProtoType.Message, new ProtoMessage(
            "SecretVolumeSource",
            F(1, "secretName", ProtoType.String), F(2, "items", ProtoType.Messages, KeyToPath), P(3, "defaultMode", ProtoType.Int), P(4, "optional", ProtoType.Bool))),
        P(19, "configMap", ProtoType.Message, new ProtoMessage(
            "ConfigMapVolumeSource",
            F(1, "localObjectReference", ProtoType.Embedded, LocalObjectReference), F(2, "items", ProtoType.Messages, KeyToPath), P(3, "defaultMode", ProtoType.Int),
            P(4, "optional", ProtoType.Bool))));

    private static readonly ProtoMessage Volume = new(
        "Volume",
        F(1, "name", ProtoType.String), F(2, "volumeSource", ProtoType.Embedded, VolumeSource));

    private static readonly ProtoMessage ContainerPort = new(
        "ContainerPort",
        F(1, "name", ProtoType.String), F(2, "hostPort", ProtoType.Int), F(3, "containerPort", ProtoType.Int), F(4, "protocol", ProtoType.String),
        F(5, "hostIP", ProtoType.String));

    private static readonly ProtoMessage EnvVarSource = new(
        "EnvVarSource",
        P(1, "fieldRef", ProtoType.Message, new ProtoMessage("ObjectFieldSelector", F(1, "apiVersion", ProtoType.String), F(2, "fieldPath", ProtoType.String))),
        P(2, "resourceFieldRef", ProtoType.Message, new ProtoMessage(
            "ResourceFieldSelector",
            F(1, "containerName", ProtoType.String), F(2, "resource", ProtoType.String), F(3, "divisor", ProtoType.Quantity))),
        P(3, "configMapKeyRef", ProtoType.Message, new ProtoMessage(
            "ConfigMapKeySelector",
            F(1, "localObjectReference", ProtoType.Embedded, LocalObjectReference), F(2, "key", ProtoType.String), P(3, "optional", ProtoType.Bool))),
        P(4, "secretKeyRef", ProtoType.Message, new ProtoMessage(
            "SecretKeySelector",
            F(1, "localObjectReference", ProtoType.Embedded, LocalObjectReference), F(2, "key", ProtoType.String), P(3, "optional", ProtoType.Bool))));

    private static readonly ProtoMessage EnvVar = new(
        "EnvVar",
        F(1, "name", ProtoType.String), F(2, "value", ProtoType.String), P(3, "valueFrom", ProtoType.Message, EnvVarSource));

    private static readonly ProtoMessage EnvFromSource = new(
        "EnvFromSource",
        F(1, "prefix", ProtoType.String),
        P(2, "configMapRef", ProtoType.Message, new ProtoMessage(
            "ConfigMapEnvSource", F(1, "localObjectReference", ProtoType.Embedded, LocalObjectReference), P(2, "optional", ProtoType.Bool))),
        P(3, "secretRef", ProtoType.Message, new ProtoMessage(
            "SecretEnvSource", F(1, "localObjectReference", ProtoType.Embedded, LocalObjectReference), P(2, "optional", ProtoType.Bool))));

    private static readonly ProtoMessage ResourceRequirements = new(
        "ResourceRequirements",
        F(1, "limits", ProtoType.QuantityMap), F(2, "requests", ProtoType.QuantityMap),
        F(3, "claims", ProtoType.Messages, new ProtoMessage("ResourceClaim", F(1, "name", ProtoType.String), F(2, "request", ProtoType.String))));

    private static readonly ProtoMessage VolumeMount = new(
        "VolumeMount",
        F(1, "name", ProtoType.String), F(2, "readOnly", ProtoType.Bool), P(7, "recursiveReadOnly", ProtoType.String), F(3, "mountPath", ProtoType.String),
        F(4, "subPath", ProtoType.String), P(5, "mountPropagation", ProtoType.String), F(6, "subPathExpr", ProtoType.String));

    private static readonly ProtoMessage ProbeHandler = new(
        "ProbeHandler",
        P(1, "exec", ProtoType.Message, new ProtoMessage("ExecAction", F(1, "command", ProtoType.Strings))),
        P(2, "httpGet", ProtoType.Message, new ProtoMessage(
            "HTTPGetAction",
            F(1, "path", ProtoType.String), F(2, "port", ProtoType.IntOrString), F(3, "host", ProtoType.String), F(4, "scheme", ProtoType.String),
            F(5, "httpHeaders", ProtoType.Messages, new ProtoMessage("HTTPHeader", F(1, "name", ProtoType.String), F(2, "value", ProtoType.String))))),
        P(3, "tcpSocket", ProtoType.Message, new ProtoMessage("TCPSocketAction", F(1, "port", ProtoType.IntOrString), F(2, "host", ProtoType.String))),
        P(4, "grpc", ProtoType.Message, new ProtoMessage("GRPCAction", F(1, "port", ProtoType.Int), P(2, "service", ProtoType.String))));

    private static readonly ProtoMessage Probe = new(
        "Probe",
        F(1, "handler", ProtoType.Embedded, ProbeHandler), F(2, "initialDelaySeconds", ProtoType.Int), F(3, "timeoutSeconds", ProtoType.Int),
        F(4, "periodSeconds", ProtoType.Int), F(5, "successThreshold", ProtoType.Int), F(6, "failureThreshold", ProtoType.Int),
        P(7, "terminationGracePeriodSeconds", ProtoType.Int));

    private static readonly ProtoMessage SeccompProfile = new(
        "SeccompProfile",
        F(1, "type", ProtoType.String), P(2, "localhostProfile", ProtoType.String));

    private static readonly ProtoMessage SecurityContext = new(
        "SecurityContext",
        P(1, "capabilities", ProtoType.Message, new ProtoMessage("Capabilities", F(1, "add", ProtoType.Strings), F(2, "drop", ProtoType.Strings))),
        P(2, "privileged", ProtoType.Bool), P(4, "runAsUser", ProtoType.Int), P(8, "runAsGroup", ProtoType.Int), P(5, "runAsNonRoot", ProtoType.Bool),
        P(6, "readOnlyRootFilesystem", ProtoType.Bool), P(7, "allowPrivilegeEscalation", ProtoType.Bool), P(9, "procMount", ProtoType.String),
        P(11, "seccompProfile", ProtoType.Message, SeccompProfile));

    private static readonly ProtoMessage PodSecurityContext = new(
        "PodSecurityContext",
        P(2, "runAsUser", ProtoType.Int), P(6, "runAsGroup", ProtoType.Int), P(3, "runAsNonRoot", ProtoType.Bool), F(4, "supplementalGroups", ProtoType.Ints),
        P(12, "supplementalGroupsPolicy", ProtoType.String), P(5, "fsGroup", ProtoType.Int), P(9, "fsGroupChangePolicy", ProtoType.String),
        P(10, "seccompProfile", ProtoType.Message, SeccompProfile), P(13, "seLinuxChangePolicy", ProtoType.String));

    private static readonly ProtoMessage Container = new(
        "Container",
        F(1, "name", ProtoType.String), F(2, "image", ProtoType.String), F(3, "command", ProtoType.Strings), F(4, "args", ProtoType.Strings),
        F(5, "workingDir", ProtoType.String), F(6, "ports", ProtoType.Messages, ContainerPort), F(19, "envFrom", ProtoType.Messages, EnvFromSource),
        F(7, "env", ProtoType.Messages, EnvVar), F(8, "resources", ProtoType.Message, ResourceRequirements), P(24, "restartPolicy", ProtoType.String),
        F(9, "volumeMounts", ProtoType.Messages, VolumeMount), P(10, "livenessProbe", ProtoType.Message, Probe), P(11, "readinessProbe", ProtoType.Message, Probe),
        P(22, "startupProbe", ProtoType.Message, Probe), F(13, "terminationMessagePath", ProtoType.String), F(20, "terminationMessagePolicy", ProtoType.String),
        F(14, "imagePullPolicy", ProtoType.String), P(15, "securityContext", ProtoType.Message, SecurityContext), F(16, "stdin", ProtoType.Bool),
        F(17, "stdinOnce", ProtoType.Bool), F(18, "tty", ProtoType.Bool));

    private static readonly ProtoMessage Toleration = new(
        "Toleration",
        F(1, "key", ProtoType.String), F(2, "operator", ProtoType.String), F(3, "value", ProtoType.String), F(4, "effect", ProtoType.String),
        P(5, "tolerationSeconds", ProtoType.Int));

    private static readonly ProtoMessage TopologySpreadConstraint = new(
        "TopologySpreadConstraint",
        F(1, "maxSkew", ProtoType.Int), F(2, "topologyKey", ProtoType.String), F(3, "whenUnsatisfiable", ProtoType.String),
        P(4, "labelSelector", ProtoType.Message, LabelSelector), P(5, "minDomains", ProtoType.Int), P(6, "nodeAffinityPolicy", ProtoType.String),
        P(7, "nodeTaintsPolicy", ProtoType.String), F(8, "matchLabelKeys", ProtoType.Strings));

    private static readonly ProtoMessage PodSpec = new(
        "PodSpec",
        F(1, "volumes", ProtoType.Messages, Volume), F(20, "initContainers", ProtoType.Messages, Container), F(2, "containers", ProtoType.Messages, Container),
        F(3, "restartPolicy", ProtoType.String), P(4, "terminationGracePeriodSeconds", ProtoType.Int), P(5, "activeDeadlineSeconds", ProtoType.Int),
        F(6, "dnsPolicy", ProtoType.String), F(7, "nodeSelector", ProtoType.StringMap), F(8, "serviceAccountName", ProtoType.String),
        F(9, "serviceAccount", ProtoType.String), P(21, "automountServiceAccountToken", ProtoType.Bool), F(10, "nodeName", ProtoType.String),
        F(11, "hostNetwork", ProtoType.Bool), F(12, "hostPID", ProtoType.Bool), F(13, "hostIPC", ProtoType.Bool), P(27, "shareProcessNamespace", ProtoType.Bool),
        P(14, "securityContext", ProtoType.Message, PodSecurityContext), F(15, "imagePullSecrets", ProtoType.Messages, LocalObjectReference),
        F(16, "hostname", ProtoType.String), F(17, "subdomain", ProtoType.String), F(19, "schedulerName", ProtoType.String),
        F(22, "tolerations", ProtoType.Messages, Toleration), F(24, "priorityClassName", ProtoType.String), P(25, "priority", ProtoType.Int),
        P(29, "runtimeClassName", ProtoType.String), P(30, "enableServiceLinks", ProtoType.Bool), P(31, "preemptionPolicy", ProtoType.String),
        F(33, "topologySpreadConstraints", ProtoType.Messages, TopologySpreadConstraint), P(35, "setHostnameAsFQDN", ProtoType.Bool),
        P(37, "hostUsers", ProtoType.Bool));

    private static readonly ProtoMessage PodTemplateSpec = new(
        "PodTemplateSpec",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "spec", ProtoType.Message, PodSpec));

    private static readonly ProtoMessage ServicePort = new(
        "ServicePort",
        F(1, "name", ProtoType.String), F(2, "protocol", ProtoType.String), P(6, "appProtocol", ProtoType.String), F(3, "port", ProtoType.Int),
        F(4, "targetPort", ProtoType.IntOrString), F(5, "nodePort", ProtoType.Int));

    private static readonly ProtoMessage ServiceSpec = new(
        "ServiceSpec",
        F(1, "ports", ProtoType.Messages, ServicePort), F(2, "selector", ProtoType.StringMap), F(3, "clusterIP", ProtoType.String),
        F(18, "clusterIPs", ProtoType.Strings), F(4, "type", ProtoType.String), F(5, "externalIPs", ProtoType.Strings), F(7, "sessionAffinity", ProtoType.String),
        F(8, "loadBalancerIP", ProtoType.String), F(9, "loadBalancerSourceRanges", ProtoType.Strings), F(10, "externalName", ProtoType.String),
        F(11, "externalTrafficPolicy", ProtoType.String), F(12, "healthCheckNodePort", ProtoType.Int), F(13, "publishNotReadyAddresses", ProtoType.Bool),
        P(14, "sessionAffinityConfig", ProtoType.Message, new ProtoMessage(
            "SessionAffinityConfig", P(1, "clientIP", ProtoType.Message, new ProtoMessage("ClientIPConfig", P(1, "timeoutSeconds", ProtoType.Int))))),
        F(19, "ipFamilies", ProtoType.Strings), P(17, "ipFamilyPolicy", ProtoType.String), P(20, "allocateLoadBalancerNodePorts", ProtoType.Bool),
        P(21, "loadBalancerClass", ProtoType.String), P(22, "internalTrafficPolicy", ProtoType.String), P(23, "trafficDistribution", ProtoType.String));

    private static readonly ProtoMessage LoadBalancerIngress = new(
        "LoadBalancerIngress",
        F(1, "ip", ProtoType.String), F(2, "hostname", ProtoType.String), P(3, "ipMode", ProtoType.String),
        F(4, "ports", ProtoType.Messages, new ProtoMessage("PortStatus", F(1, "port", ProtoType.Int), F(2, "protocol", ProtoType.String), P(3, "error", ProtoType.String))));

    private static readonly ProtoMessage Service = new(
        "Service",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "spec", ProtoType.Message, ServiceSpec),
        F(3, "status", ProtoType.Message, new ProtoMessage(
            "ServiceStatus",
            F(1, "loadBalancer", ProtoType.Message, new ProtoMessage("LoadBalancerStatus", F(1, "ingress", ProtoType.Messages, LoadBalancerIngress))),
            F(2, "conditions", ProtoType.Messages, Condition))));

    // k8s.io.api.apps.v1
    private static readonly ProtoMessage DeploymentStrategy = new(
        "DeploymentStrategy",
        F(1, "type", ProtoType.String),
        P(2, "rollingUpdate", ProtoType.Message, new ProtoMessage(
            "RollingUpdateDeployment", P(1, "maxUnavailable", ProtoType.IntOrString), P(2, "maxSurge", ProtoType.IntOrString))));

    private static readonly ProtoMessage DeploymentSpec = new(
        "DeploymentSpec",
        P(1, "replicas", ProtoType.Int), P(2, "selector", ProtoType.Message, LabelSelector), F(3, "template", ProtoType.Message, PodTemplateSpec),
        F(4, "strategy", ProtoType.Message, DeploymentStrategy), F(5, "minReadySeconds", ProtoType.Int), P(6, "revisionHistoryLimit", ProtoType.Int),
        F(7, "paused", ProtoType.Bool), P(9, "progressDeadlineSeconds", ProtoType.Int));

    private static readonly ProtoMessage DeploymentCondition = new(
        "DeploymentCondition",
        F(1, "type", ProtoType.String), F(2, "status", ProtoType.String), F(6, "lastUpdateTime", ProtoType.Time), F(7, "lastTransitionTime", ProtoType.Time),
        F(4, "reason", ProtoType.String), F(5, "message", ProtoType.String));

    private static readonly ProtoMessage DeploymentStatus = new(
        "DeploymentStatus",
        F(1, "observedGeneration", ProtoType.Int), F(2, "replicas", ProtoType.Int), F(3, "updatedReplicas", ProtoType.Int), F(7, "readyReplicas", ProtoType.Int),
        F(4, "availableReplicas", ProtoType.Int), F(5, "unavailableReplicas", ProtoType.Int), P(9, "terminatingReplicas", ProtoType.Int),
        F(6, "conditions", ProtoType.Messages, DeploymentCondition), P(8, "collisionCount", ProtoType.Int));

    private static readonly ProtoMessage Deployment = new(
        "Deployment",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "spec", ProtoType.Message, DeploymentSpec), F(3, "status", ProtoType.Message, DeploymentStatus));

    // k8s.io.api.rbac.v1
    private static readonly ProtoMessage PolicyRule = new(
        "PolicyRule",
        F(1, "verbs", ProtoType.Strings), F(2, "apiGroups", ProtoType.Strings), F(3, "resources", ProtoType.Strings), F(4, "resourceNames", ProtoType.Strings),
        F(5, "nonResourceURLs", ProtoType.Strings));

    private static readonly ProtoMessage Subject = new(
        "Subject",
        F(1, "kind", ProtoType.String), F(2, "apiGroup", ProtoType.String), F(3, "name", ProtoType.String), F(4, "namespace", ProtoType.String));

    private static readonly ProtoMessage RoleRef = new(
        "RoleRef",
        F(1, "apiGroup", ProtoType.String), F(2, "kind", ProtoType.String), F(3, "name", ProtoType.String));

    private static readonly ProtoMessage Role = new(
        "Role",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "rules", ProtoType.Messages, PolicyRule));

    private static readonly ProtoMessage ClusterRole = new(
        "ClusterRole",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "rules", ProtoType.Messages, PolicyRule),
        P(3, "aggregationRule", ProtoType.Message, new ProtoMessage("AggregationRule", F(1, "clusterRoleSelectors", ProtoType.Messages, LabelSelector))));

    private static readonly ProtoMessage RoleBinding = new(
        "RoleBinding",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "subjects", ProtoType.Messages, Subject), F(3, "roleRef", ProtoType.Message, RoleRef));

    private static readonly ProtoMessage ClusterRoleBinding = new(
        "ClusterRoleBinding",
        F(1, "metadata", ProtoType.Message, ObjectMeta), F(2, "subjects", ProtoType.Messages, Subject), F(3, "roleRef", ProtoType.Message, RoleRef));

    /// <summary>The kinds with a protobuf encoding here, by apiVersion and kind; their lists (<c>kind + "List"</c>) too.</summary>
    public static readonly IReadOnlyDictionary<(string ApiVersion, string Kind), ProtoMessage> Kinds = WithLists(new Dictionary<(string, string), ProtoMessage>
    {
        [("v1", "Namespace")] = Namespace,
        [("v1", "Secret")] = Secret,
        [("v1", "ConfigMap")] = ConfigMap,
        [("v1", "ServiceAccount")] = ServiceAccount,
        [("v1", "Service")] = Service,
        [("apps/v1", "Deployment")] = Deployment,
        [("rbac.authorization.k8s.io/v1", "Role")] = Role,
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = ClusterRole,
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = RoleBinding,
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = ClusterRoleBinding,
    });

    /// <summary>meta/v1 Status, the body of an error answer.</summary>
    public static ProtoMessage StatusMessage => Status;

    private static Dictionary<(string, string), ProtoMessage> WithLists(Dictionary<(string, string), ProtoMessage> kinds)
    {
        foreach (var ((apiVersion, kind), message) in kinds.ToList())
        {
            kinds[(apiVersion, kind + "List")] = new ProtoMessage(kind + "List", F(1, "metadata", ProtoType.Message, ListMeta), F(2, "items", ProtoType.Messages, message));
        }

        kinds[("v1", "Status")] = Status;
        return kinds;
    }

    /// <summary>Every message reachable from <see cref="Kinds"/>, by name (for the field-number table test).</summary>
    public static IReadOnlyDictionary<string, ProtoMessage> Messages()
    {
        var all = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        void Visit(ProtoMessage m)
        {
            if (all.TryAdd(m.Name, m))
            {
                foreach (var f in m.Fields.Where(f => f.Message is not null))
                {
                    Visit(f.Message!);
                }
            }
        }

        foreach (var m in Kinds.Values)
        {
            Visit(m);
        }

        return all;
    }
}
