using System.Text.Json.Nodes;
using Google.Protobuf;

namespace KubeEmulator;

/// <summary>
/// A protobuf request body as client-go sends it (<c>application/vnd.kubernetes.protobuf</c>): the magic
/// <c>k8s\0</c>, then a <c>runtime.Unknown</c> (1 TypeMeta{apiVersion=1, kind=2}, 2 raw, 3 contentEncoding,
/// 4 contentType) whose raw bytes are the object in the field numbers of k8s.io/api's generated.proto. Decoded to the
/// JSON the rest of the emulator speaks, for the kinds <c>kubectl create</c> sends; another kind is 415.
/// </summary>
internal static class Protobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [(byte)'k', (byte)'8', (byte)'s', 0];

    private enum Wire { String, Bool, Bytes, Message, StringMap, BytesMap, Messages, Strings }

    private sealed record Field(string Name, Wire Type, Shape? Shape = null);

    private sealed class Shape : Dictionary<int, Field>;

    private static readonly Shape ObjectMeta = new()
    {
        [1] = new("name", Wire.String),
        [2] = new("generateName", Wire.String),
        [3] = new("namespace", Wire.String),
        [11] = new("labels", Wire.StringMap),
        [12] = new("annotations", Wire.StringMap),
        [14] = new("finalizers", Wire.Strings),
    };

    private static readonly Shape ObjectReference = new()
    {
        [1] = new("kind", Wire.String),
        [2] = new("namespace", Wire.String),
        [3] = new("name", Wire.String),
        [4] = new("uid", Wire.String),
        [5] = new("apiVersion", Wire.String),
        [6] = new("resourceVersion", Wire.String),
        [7] = new("fieldPath", Wire.String),
    };

    private static readonly Dictionary<(string ApiVersion, string Kind), Shape> Kinds = new()
    {
        [("v1", "Namespace")] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("spec", Wire.Message, new Shape { [1] = new("finalizers", Wire.Strings) }),
            [3] = new("status", Wire.Message, new Shape { [1] = new("phase", Wire.String) }),
        },
        [("v1", "Secret")] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("data", Wire.BytesMap),
            [3] = new("type", Wire.String),
            [4] = new("stringData", Wire.StringMap),
            [5] = new("immutable", Wire.Bool),
        },
        [("v1", "ConfigMap")] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("data", Wire.StringMap),
            [3] = new("binaryData", Wire.BytesMap),
            [4] = new("immutable", Wire.Bool),
        },
        [("v1", "ServiceAccount")] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("secrets", Wire.Messages, ObjectReference),
            [3] = new("imagePullSecrets", Wire.Messages, new Shape { [1] = new("name", Wire.String) }),
            [4] = new("automountServiceAccountToken", Wire.Bool),
        },
    };

    /// <summary>The object as JSON, or an error saying why not (not the envelope, or a kind the emulator cannot decode).</summary>
    public static JsonObject? TryDecode(byte[] body, out string error)
    {
        error = "";
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            error = "the protobuf body does not start with the magic number k8s\\0";
            return null;
        }

        try
        {
            var input = new CodedInputStream(body, Magic.Length, body.Length - Magic.Length);
            string apiVersion = "", kind = "";
            var raw = ByteString.Empty;
            while (input.ReadTag() is var tag and not 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1:
                        var typeMeta = new CodedInputStream(input.ReadBytes().ToByteArray());
                        while (typeMeta.ReadTag() is var t and not 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(t))
                            {
                                case 1: apiVersion = typeMeta.ReadString(); break;
                                case 2: kind = typeMeta.ReadString(); break;
                                default: typeMeta.SkipLastField(); break;
                            }
                        }

                        break;
                    case 2: raw = input.ReadBytes(); break;
                    default: input.SkipLastField(); break;
                }
            }

            if (!Kinds.TryGetValue((apiVersion, kind), out var shape))
            {
                error = $"the emulator decodes protobuf bodies of v1 Namespace, Secret, ConfigMap and ServiceAccount only (got {apiVersion} {kind}); send application/json";
                return null;
            }

            var obj = Read(new CodedInputStream(raw.ToByteArray()), shape);
            obj.Insert(0, "apiVersion", apiVersion);
            obj.Insert(1, "kind", kind);
            return obj;
        }
        catch (InvalidProtocolBufferException e)
        {
            error = $"invalid protobuf body: {e.Message}";
            return null;
        }
    }

    private static JsonObject Read(CodedInputStream input, Shape shape)
    {
        var obj = new JsonObject();
        while (input.ReadTag() is var tag and not 0)
        {
            if (!shape.TryGetValue(WireFormat.GetTagFieldNumber(tag), out var field))
            {
                input.SkipLastField();
                continue;
            }

            switch (field.Type)
            {
                case Wire.String:
                    // Go's generated marshaller writes every string field, empty or not; JSON omits the empty ones.
                    if (input.ReadString() is { Length: > 0 } text)
                    {
                        obj[field.Name] = text;
                    }

                    break;
                case Wire.Bool: obj[field.Name] = input.ReadBool(); break;
                case Wire.Bytes: obj[field.Name] = input.ReadBytes().ToBase64(); break;
                case Wire.Message: obj[field.Name] = Read(new CodedInputStream(input.ReadBytes().ToByteArray()), field.Shape!); break;
                case Wire.Messages: List(obj, field.Name).Add(Read(new CodedInputStream(input.ReadBytes().ToByteArray()), field.Shape!)); break;
                case Wire.Strings: List(obj, field.Name).Add(input.ReadString()); break;
                case Wire.StringMap or Wire.BytesMap:
                    var entry = new CodedInputStream(input.ReadBytes().ToByteArray());
                    string key = "", value = "";
                    while (entry.ReadTag() is var t and not 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(t))
                        {
                            case 1: key = entry.ReadString(); break;
                            case 2: value = field.Type == Wire.StringMap ? entry.ReadString() : entry.ReadBytes().ToBase64(); break;
                            default: entry.SkipLastField(); break;
                        }
                    }

                    if (obj[field.Name] is not JsonObject map)
                    {
                        obj[field.Name] = map = [];
                    }

                    map[key] = value;
                    break;
            }
        }

        return obj;
    }

    private static JsonArray List(JsonObject obj, string name)
    {
        if (obj[name] is not JsonArray list)
        {
            obj[name] = list = [];
        }

        return list;
    }
}
