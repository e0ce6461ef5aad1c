using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KubeEmulator.Tests;

/// <summary>
/// "Protobuf encoding" (API Concepts): a body is <c>k8s\0</c> then a runtime.Unknown (1 TypeMeta{1 apiVersion,
/// 2 kind}, 2 raw). The emulator decodes the kinds <c>kubectl create</c> sends and answers in protobuf when Accept
/// prefers it; another kind is 415 (bodies) or JSON / 406 (answers). The field numbers are upstream's generated.proto.
/// </summary>
public sealed class ProtobufTests() : EmulatorTest()
{

    private static byte[] LengthDelimited(int field, byte[] value) => [(byte)((field << 3) | 2), (byte)value.Length, .. value];

    private static byte[] Text(int field, string value) => LengthDelimited(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [(byte)'k', (byte)'8', (byte)'s', 0, .. LengthDelimited(1, [.. Text(1, apiVersion), .. Text(2, kind)]), .. LengthDelimited(2, raw)];

    private async Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? []);
    }

    [Fact]
    public async Task Protobuf_ConfigMap_body_is_decoded_and_stored()
    {
        // ConfigMap{1 metadata{1 name, 3 namespace ""}, 2 data{k: v}}
        byte[] raw = [.. LengthDelimited(1, [.. Text(1, "proto"), .. Text(3, "")]), .. LengthDelimited(2, [.. Text(1, "k"), .. Text(2, "v")])];

        var (code, body) = await PostAsync("/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", raw));

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("proto", body["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("default", body["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("v", body["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public async Task Protobuf_A_JSON_only_kind_is_415_with_upstreams_message_and_the_reason_as_its_cause()
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/pods", Envelope("v1", "Pod", Text(1, "x")));

        Assert.Equal((HttpStatusCode)415, code);
        Assert.Equal("UnsupportedMediaType", status["reason"]!.GetValue<string>());
        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json", status["message"]!.GetValue<string>());
        Assert.Contains("(got v1 Pod)", status["details"]!["causes"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protobuf_A_body_without_the_magic_number_is_415()
    {
        var (code, status) = await PostAsync("/api/v1/namespaces/default/configmaps", [1, 2, 3, 4, 5]);

        Assert.Equal((HttpStatusCode)415, code);
        Assert.Contains("k8s", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The field numbers of every message the emulator encodes, as in upstream's generated.proto
    /// (k8s.io/api core/v1 and apps/v1, apimachinery meta/v1; checked against kubernetes/api and
    /// kubernetes/apimachinery at master): a wrong number would mis-decode kubectl's bodies and break its answers.
    /// </summary>
    [Theory]
    [InlineData("ManagedFieldsEntry", "manager=1 operation=2 apiVersion=3 time=4 fieldsType=6 fieldsV1=7 subresource=8")]
    [InlineData("OwnerReference", "kind=1 name=3 uid=4 apiVersion=5 controller=6 blockOwnerDeletion=7")]
    [InlineData("ObjectMeta", "name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6 generation=7 creationTimestamp=8 deletionTimestamp=9 deletionGracePeriodSeconds=10 labels=11 annotations=12 ownerReferences=13 finalizers=14 managedFields=17")]
    [InlineData("ListMeta", "selfLink=1 resourceVersion=2 continue=3 remainingItemCount=4")]
    [InlineData("LabelSelectorRequirement", "key=1 operator=2 values=3")]
    [InlineData("LabelSelector", "matchLabels=1 matchExpressions=2")]
    [InlineData("Condition", "type=1 status=2 observedGeneration=3 lastTransitionTime=4 reason=5 message=6")]
    [InlineData("StatusCause", "reason=1 message=2 field=3")]
    [InlineData("StatusDetails", "name=1 group=2 kind=3 causes=4 retryAfterSeconds=5 uid=6")]
    [InlineData("Status", "metadata=1 status=2 message=3 reason=4 details=5 code=6")]
    [InlineData("LocalObjectReference", "name=1")]
    [InlineData("ObjectReference", "kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7")]
    [InlineData("NamespaceCondition", "type=1 status=2 lastTransitionTime=4 reason=5 message=6")]
    [InlineData("Namespace", "metadata=1 spec=2 status=3")]
    [InlineData("NamespaceSpec", "finalizers=1")]
    [InlineData("NamespaceStatus", "phase=1 conditions=2")]
    [InlineData("Secret", "metadata=1 data=2 type=3 stringData=4 immutable=5")]
    [InlineData("ConfigMap", "metadata=1 data=2 binaryData=3 immutable=4")]
    [InlineData("ServiceAccount", "metadata=1 secrets=2 imagePullSecrets=3 automountServiceAccountToken=4")]
    [InlineData("KeyToPath", "key=1 path=2 mode=3")]
    [InlineData("VolumeSource", "emptyDir=2 secret=6 configMap=19")]
    [InlineData("EmptyDirVolumeSource", "medium=1 sizeLimit=2")]
    [InlineData("SecretVolumeSource", "secretName=1 items=2 defaultMode=3 optional=4")]
    [InlineData("ConfigMapVolumeSource", "localObjectReference=1 items=2 defaultMode=3 optional=4")]
    [InlineData("Volume", "name=1 volumeSource=2")]
    [InlineData("ContainerPort", "name=1 hostPort=2 containerPort=3 protocol=4 hostIP=5")]
    [InlineData("EnvVarSource", "fieldRef=1 resourceFieldRef=2 configMapKeyRef=3 secretKeyRef=4")]
    [InlineData("ObjectFieldSelector", "apiVersion=1 fieldPath=2")]
    [InlineData("ResourceFieldSelector", "containerName=1 resource=2 divisor=3")]
    [InlineData("ConfigMapKeySelector", "localObjectReference=1 key=2 optional=3")]
    [InlineData("SecretKeySelector", "localObjectReference=1 key=2 optional=3")]
    [InlineData("EnvVar", "name=1 value=2 valueFrom=3")]
    [InlineData("EnvFromSource", "prefix=1 configMapRef=2 secretRef=3")]
    [InlineData("ConfigMapEnvSource", "localObjectReference=1 optional=2")]
    [InlineData("SecretEnvSource", "localObjectReference=1 optional=2")]
    [InlineData("ResourceRequirements", "limits=1 requests=2 claims=3")]
    [InlineData("ResourceClaim", "name=1 request=2")]
    [InlineData("VolumeMount", "name=1 readOnly=2 mountPath=3 subPath=4 mountPropagation=5 subPathExpr=6 recursiveReadOnly=7")]
    [InlineData("ProbeHandler", "exec=1 httpGet=2 tcpSocket=3 grpc=4")]
    [InlineData("ExecAction", "command=1")]
    [InlineData("HTTPGetAction", "path=1 port=2 host=3 scheme=4 httpHeaders=5")]
    [InlineData("HTTPHeader", "name=1 value=2")]
    [InlineData("TCPSocketAction", "port=1 host=2")]
    [InlineData("GRPCAction", "port=1 service=2")]
    [InlineData("Probe", "handler=1 initialDelaySeconds=2 timeoutSeconds=3 periodSeconds=4 successThreshold=5 failureThreshold=6 terminationGracePeriodSeconds=7")]
    [InlineData("SeccompProfile", "type=1 localhostProfile=2")]
    [InlineData("SecurityContext", "capabilities=1 privileged=2 runAsUser=4 runAsNonRoot=5 readOnlyRootFilesystem=6 allowPrivilegeEscalation=7 runAsGroup=8 procMount=9 seccompProfile=11")]
    [InlineData("Capabilities", "add=1 drop=2")]
    [InlineData("PodSecurityContext", "runAsUser=2 runAsNonRoot=3 supplementalGroups=4 fsGroup=5 runAsGroup=6 fsGroupChangePolicy=9 seccompProfile=10 supplementalGroupsPolicy=12 seLinuxChangePolicy=13")]
    [InlineData("Container", "name=1 image=2 command=3 args=4 workingDir=5 ports=6 env=7 resources=8 volumeMounts=9 livenessProbe=10 readinessProbe=11 terminationMessagePath=13 imagePullPolicy=14 securityContext=15 stdin=16 stdinOnce=17 tty=18 envFrom=19 terminationMessagePolicy=20 startupProbe=22 restartPolicy=24")]
    [InlineData("Toleration", "key=1 operator=2 value=3 effect=4 tolerationSeconds=5")]
    [InlineData("TopologySpreadConstraint", "maxSkew=1 topologyKey=2 whenUnsatisfiable=3 labelSelector=4 minDomains=5 nodeAffinityPolicy=6 nodeTaintsPolicy=7 matchLabelKeys=8")]
    [InlineData("PodSpec", "volumes=1 containers=2 restartPolicy=3 terminationGracePeriodSeconds=4 activeDeadlineSeconds=5 dnsPolicy=6 nodeSelector=7 serviceAccountName=8 serviceAccount=9 nodeName=10 hostNetwork=11 hostPID=12 hostIPC=13 securityContext=14 imagePullSecrets=15 hostname=16 subdomain=17 schedulerName=19 initContainers=20 automountServiceAccountToken=21 tolerations=22 priorityClassName=24 priority=25 shareProcessNamespace=27 runtimeClassName=29 enableServiceLinks=30 preemptionPolicy=31 topologySpreadConstraints=33 setHostnameAsFQDN=35 hostUsers=37")]
    [InlineData("PodTemplateSpec", "metadata=1 spec=2")]
    [InlineData("ServicePort", "name=1 protocol=2 port=3 targetPort=4 nodePort=5 appProtocol=6")]
    [InlineData("ServiceSpec", "ports=1 selector=2 clusterIP=3 type=4 externalIPs=5 sessionAffinity=7 loadBalancerIP=8 loadBalancerSourceRanges=9 externalName=10 externalTrafficPolicy=11 healthCheckNodePort=12 publishNotReadyAddresses=13 sessionAffinityConfig=14 ipFamilyPolicy=17 clusterIPs=18 ipFamilies=19 allocateLoadBalancerNodePorts=20 loadBalancerClass=21 internalTrafficPolicy=22 trafficDistribution=23")]
    [InlineData("SessionAffinityConfig", "clientIP=1")]
    [InlineData("ClientIPConfig", "timeoutSeconds=1")]
    [InlineData("LoadBalancerIngress", "ip=1 hostname=2 ipMode=3 ports=4")]
    [InlineData("PortStatus", "port=1 protocol=2 error=3")]
    [InlineData("Service", "metadata=1 spec=2 status=3")]
    [InlineData("ServiceStatus", "loadBalancer=1 conditions=2")]
    [InlineData("LoadBalancerStatus", "ingress=1")]
    [InlineData("DeploymentStrategy", "type=1 rollingUpdate=2")]
    [InlineData("RollingUpdateDeployment", "maxUnavailable=1 maxSurge=2")]
    [InlineData("DeploymentSpec", "replicas=1 selector=2 template=3 strategy=4 minReadySeconds=5 revisionHistoryLimit=6 paused=7 progressDeadlineSeconds=9")]
    [InlineData("DeploymentCondition", "type=1 status=2 reason=4 message=5 lastUpdateTime=6 lastTransitionTime=7")]
    [InlineData("DeploymentStatus", "observedGeneration=1 replicas=2 updatedReplicas=3 availableReplicas=4 unavailableReplicas=5 conditions=6 readyReplicas=7 collisionCount=8 terminatingReplicas=9")]
    [InlineData("Deployment", "metadata=1 spec=2 status=3")]
    [InlineData("NamespaceList", "metadata=1 items=2")]
    [InlineData("SecretList", "metadata=1 items=2")]
    [InlineData("ConfigMapList", "metadata=1 items=2")]
    [InlineData("ServiceAccountList", "metadata=1 items=2")]
    [InlineData("ServiceList", "metadata=1 items=2")]
    [InlineData("DeploymentList", "metadata=1 items=2")]
    [InlineData("PolicyRule", "verbs=1 apiGroups=2 resources=3 resourceNames=4 nonResourceURLs=5")]
    [InlineData("Subject", "kind=1 apiGroup=2 name=3 namespace=4")]
    [InlineData("RoleRef", "apiGroup=1 kind=2 name=3")]
    [InlineData("Role", "metadata=1 rules=2")]
    [InlineData("ClusterRole", "metadata=1 rules=2 aggregationRule=3")]
    [InlineData("AggregationRule", "clusterRoleSelectors=1")]
    [InlineData("RoleBinding", "metadata=1 subjects=2 roleRef=3")]
    [InlineData("ClusterRoleBinding", "metadata=1 subjects=2 roleRef=3")]
    [InlineData("RoleList", "metadata=1 items=2")]
    [InlineData("ClusterRoleList", "metadata=1 items=2")]
    [InlineData("RoleBindingList", "metadata=1 items=2")]
    [InlineData("ClusterRoleBindingList", "metadata=1 items=2")]
    public void ProtobufSchema_Field_numbers_are_those_of_upstreams_generated_proto(string message, string fields)
    {
        var schema = ProtobufSchema.Messages();

        Assert.True(schema.ContainsKey(message), message);
        Assert.Equal(fields, string.Join(' ', schema[message].Fields.OrderBy(f => f.Number).Select(f => $"{f.Name}={f.Number}")));
    }

    [Fact]
    public void ProtobufSchema_Every_message_is_pinned_by_the_field_number_table()
    {
        var pinned = typeof(ProtobufTests).GetMethod(nameof(ProtobufSchema_Field_numbers_are_those_of_upstreams_generated_proto))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).First()[0]).ToHashSet(StringComparer.Ordinal);

        Assert.DoesNotContain(ProtobufSchema.Messages().Keys, m => !pinned.Contains(m));
    }

    [Fact]
    public void Protobuf_Time_IntOrString_Quantity_and_FieldsV1_are_upstreams_wrapper_messages()
    {
        // meta/v1 Time{1 seconds, 2 nanos}; ObjectMeta.creationTimestamp is field 8.
        var time = Protobuf.Encode(JsonNode.Parse("""{"metadata":{"creationTimestamp":"1970-01-01T00:00:10Z"}}""")!.AsObject(), ProtobufSchema.Kinds[("v1", "ConfigMap")]);
        Assert.Equal("0A-04-42-02-08-0A", BitConverter.ToString(time));

        // intstr.IntOrString{1 type (0 int, 1 string), 2 intVal, 3 strVal}; ServicePort.targetPort is field 4.
        var port = ProtobufSchema.Messages()["ServicePort"];
        Assert.Equal("22-04-08-00-10-50", BitConverter.ToString(Protobuf.Encode(new JsonObject { ["targetPort"] = 80 }, port)));
        Assert.Equal("22-08-08-01-1A-04-68-74-74-70", BitConverter.ToString(Protobuf.Encode(new JsonObject { ["targetPort"] = "http" }, port)));

        // resource.Quantity{1 string} as the value of ResourceRequirements.limits (a map entry {1 key, 2 value}).
        var limits = Protobuf.Encode(new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "1" } }, ProtobufSchema.Messages()["ResourceRequirements"]);
        Assert.Equal("0A-0A-0A-03-63-70-75-12-03-0A-01-31", BitConverter.ToString(limits));

        // meta/v1 FieldsV1{1 Raw}; ManagedFieldsEntry.fieldsV1 is field 7.
        var fields = Protobuf.Encode(new JsonObject { ["fieldsV1"] = new JsonObject() }, ProtobufSchema.Messages()["ManagedFieldsEntry"]);
        Assert.Equal("3A-04-0A-02-7B-7D", BitConverter.ToString(fields));
    }

    private async Task<(HttpStatusCode Code, string? ContentType, byte[] Body)> GetAsync(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<JsonObject> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        _ => node?.DeepClone(),
    };

    /// <summary>The envelope's TypeMeta (runtime.Unknown field 1: 1 apiVersion, 2 kind), read with the protobuf library alone.</summary>
    private static (string ApiVersion, string Kind) TypeMetaOf(byte[] body)
    {
        Assert.Equal("k8s\0"u8.ToArray(), body[..4]);
        var input = new Google.Protobuf.CodedInputStream(body, 4, body.Length - 4);
        Assert.Equal(1, Google.Protobuf.WireFormat.GetTagFieldNumber(input.ReadTag()));
        var typeMeta = new Google.Protobuf.CodedInputStream(input.ReadBytes().ToByteArray());
        typeMeta.ReadTag();
        var apiVersion = typeMeta.ReadString();
        typeMeta.ReadTag();
        return (apiVersion, typeMeta.ReadString());
    }

    [Theory]
    [InlineData("/api/v1/namespaces", "Namespace", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"pb","labels":{"team":"a"}}}""")]
    [InlineData("/api/v1/namespaces/default/secrets", "Secret", """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"pb"},"type":"Opaque","data":{"k":"dg=="}}""")]
    [InlineData("/api/v1/namespaces/default/configmaps", "ConfigMap", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"pb","annotations":{"a":"b"}},"data":{"k":"v"}}""")]
    [InlineData("/api/v1/namespaces/default/serviceaccounts", "ServiceAccount", """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"pb"},"automountServiceAccountToken":false}""")]
    [InlineData("/api/v1/namespaces/default/services", "Service", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"pb"},"spec":{"selector":{"app":"pb"},"ports":[{"port":80,"targetPort":"http"}]}}""")]
    [InlineData("/apis/apps/v1/namespaces/default/deployments", "Deployment", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"pb"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"pb"}},"template":{"metadata":{"labels":{"app":"pb"}},"spec":{"containers":[{"name":"app","image":"img:1","ports":[{"containerPort":8080}],"resources":{"limits":{"cpu":"500m"}}}]}}}}""")]
    [InlineData("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", "Role", """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"pb"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}""")]
    public async Task Protobuf_Answers_are_protobuf_when_Accept_prefers_it_and_decode_to_the_JSON_answer(string collection, string kind, string json)
    {
        var created = await PostJsonAsync(collection, json);
        var name = $"{collection}/pb";
        var asJson = JsonNode.Parse((await GetAsync(name, "application/json")).Body)!.AsObject();

        var (code, contentType, body) = await GetAsync(name, "application/vnd.kubernetes.protobuf, application/json");
        var (_, preferredType, _) = await GetAsync(name, "application/json;q=0.5, application/vnd.kubernetes.protobuf");
        var (_, list, listBody) = await GetAsync(collection, "application/vnd.kubernetes.protobuf, application/json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(Protobuf.MediaType, contentType);
        Assert.Equal(Protobuf.MediaType, preferredType);
        Assert.Equal((created["apiVersion"]!.GetValue<string>(), kind), TypeMetaOf(body));
        var decoded = Protobuf.TryDecode(body, out var error);
        Assert.True(decoded is not null, error?.Message);
        foreach (var field in new[] { "name", "uid", "resourceVersion", "creationTimestamp" })
        {
            Assert.Equal(asJson["metadata"]![field]!.ToJsonString(), decoded["metadata"]![field]!.ToJsonString());
        }

        // (An empty manager, from a client without a User-Agent, is a zero value protobuf readers leave out.)
        foreach (var field in new[] { "operation", "apiVersion", "time", "fieldsType", "fieldsV1" })
        {
            Assert.True(JsonNode.DeepEquals(asJson["metadata"]!["managedFields"]![0]![field], decoded["metadata"]!["managedFields"]![0]![field]), field);
        }

        // (A null, e.g. a pod template's creationTimestamp, is an unset field: protobuf has no null to carry.)
        Assert.True(JsonNode.DeepEquals(WithoutNulls(asJson["spec"] ?? asJson["data"] ?? asJson["rules"]), decoded["spec"] ?? decoded["data"] ?? decoded["rules"]), decoded.ToJsonString());
        Assert.Equal(Protobuf.MediaType, list);
        Assert.Equal((created["apiVersion"]!.GetValue<string>(), kind + "List"), TypeMetaOf(listBody));
    }

    [Fact]
    public async Task Protobuf_A_kind_without_an_encoding_is_answered_in_JSON_and_406_when_only_protobuf_is_accepted()
    {
        const string ingresses = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
        await PostJsonAsync(ingresses, """{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"defaultBackend":{"service":{"name":"s","port":{"number":80}}}}}""");

        var (code, contentType, body) = await GetAsync($"{ingresses}/i", "application/vnd.kubernetes.protobuf, application/json");
        var (onlyCode, _, onlyBody) = await GetAsync($"{ingresses}/i", "application/vnd.kubernetes.protobuf");

        Assert.Equal((HttpStatusCode.OK, "application/json"), (code, contentType));
        Assert.Equal("Ingress", JsonNode.Parse(body)!["kind"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotAcceptable, onlyCode);
        Assert.Equal("only the following media types are accepted: application/json", JsonNode.Parse(onlyBody)!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Protobuf_An_error_is_a_protobuf_Status_when_protobuf_is_accepted()
    {
        var (code, contentType, body) = await GetAsync("/api/v1/namespaces/default/configmaps/missing", "application/vnd.kubernetes.protobuf, application/json");

        Assert.Equal((HttpStatusCode.NotFound, Protobuf.MediaType), (code, contentType));
        Assert.Equal(("v1", "Status"), TypeMetaOf(body));
    }

    [Fact]
    public async Task Protobuf_Service_and_Deployment_bodies_are_decoded_with_IntOrString_and_pointer_fields()
    {
        // Service{1 metadata{1 name}, 2 spec{1 ports{3 port 80, 4 targetPort{1 type 1, 3 "http"}}, 2 selector{app: web}}}
        byte[] service = [.. LengthDelimited(1, Text(1, "pbsvc")), .. LengthDelimited(2, [.. LengthDelimited(1, [0x18, 80, .. LengthDelimited(4, [0x08, 1, .. Text(3, "http")])]), .. LengthDelimited(2, [.. Text(1, "app"), .. Text(2, "web")])])];

        // Deployment{1 metadata{1 name}, 2 spec{1 replicas 0 (a pointer: kept), 2 selector{1 {app: web}}, 3 template{1 metadata{11 {app: web}}, 2 spec{2 containers{1 name, 2 image}}}, 5 minReadySeconds 0 (not a pointer: omitted)}}
        byte[] labels = [.. Text(1, "app"), .. Text(2, "web")];
        byte[] template = [.. LengthDelimited(1, LengthDelimited(11, labels)), .. LengthDelimited(2, LengthDelimited(2, [.. Text(1, "app"), .. Text(2, "img:1")]))];
        byte[] deployment = [.. LengthDelimited(1, Text(1, "pbdep")), .. LengthDelimited(2, [0x08, 0, .. LengthDelimited(2, LengthDelimited(1, labels)), .. LengthDelimited(3, template), 0x28, 0])];

        var (serviceCode, stored) = await PostAsync("/api/v1/namespaces/default/services", Envelope("v1", "Service", service));
        var (deploymentCode, storedDeployment) = await PostAsync("/apis/apps/v1/namespaces/default/deployments", Envelope("apps/v1", "Deployment", deployment));

        Assert.True(serviceCode == HttpStatusCode.Created, stored.ToJsonString());
        Assert.Equal("\"http\"", stored["spec"]!["ports"]![0]!["targetPort"]!.ToJsonString());
        Assert.Equal(80, stored["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal("web", stored["spec"]!["selector"]!["app"]!.GetValue<string>());
        Assert.True(deploymentCode == HttpStatusCode.Created, storedDeployment.ToJsonString());
        Assert.Equal(0, storedDeployment["spec"]!["replicas"]!.GetValue<int>());
        Assert.Null(storedDeployment["spec"]!["minReadySeconds"]);
        Assert.Equal("img:1", storedDeployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task Protobuf_A_field_the_emulator_does_not_decode_is_415_rather_than_dropped()
    {
        // ConfigMap field 9 is not one the emulator knows: refusing beats storing the object without it.
        byte[] raw = [.. LengthDelimited(1, Text(1, "odd")), .. Text(9, "x")];

        var (code, status) = await PostAsync("/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", raw));

        Assert.Equal((HttpStatusCode)415, code);
        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json", status["message"]!.GetValue<string>());
        Assert.Contains("field 9 of ConfigMap", status["details"]!["causes"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
