using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace KubeEmulator;

/// <summary>A protobuf body the emulator cannot turn into JSON: the status to answer, its message and, for a 415, why.</summary>
public sealed record ProtobufError(int Code, string Message, string? Detail = null)
{
    /// <summary>negotiation.errUnsupportedMediaType's message for a resource served as JSON only (as upstream for custom resources).</summary>
    public const string Unsupported = "the body of the request was in an unknown format - accepted media types include: application/json";
}

/// <summary>
/// The Kubernetes protobuf encoding ("API Concepts", Protobuf encoding; <c>application/vnd.kubernetes.protobuf</c>):
/// the magic <c>k8s\0</c>, then a <c>runtime.Unknown</c> (1 TypeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
/// 4 contentType) whose raw bytes are the object in the field numbers of <see cref="ProtobufSchema"/>. Request bodies
/// are decoded to the JSON the rest of the emulator speaks; answers are encoded when the object round-trips
/// (decoding the encoding gives the same object), so a field the schema lacks never gets lost on the way out.
/// </summary>
public static class Protobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    /// <summary>Go's zero time.Time as Unix seconds (0001-01-01T00:00:00Z): metav1.Time's "unset".</summary>
    private const long ZeroTimeSeconds = -62135596800;

    private static readonly byte[] Magic = [(byte)'k', (byte)'8', (byte)'s', 0];

    /// <summary>The kinds whose protobuf bodies and answers the emulator handles, as named in its messages.</summary>
    public static string KindsText => string.Join(", ", ProtobufSchema.Kinds.Keys.Where(k => !k.Kind.EndsWith("List", StringComparison.Ordinal) && k.Kind != "Status")
        .Select(k => $"{k.ApiVersion} {k.Kind}"));

    /// <summary>The object of a request body as JSON, or the error to answer (415 for another kind, 400 for a malformed body).</summary>
    public static JsonObject? TryDecode(byte[] body, out ProtobufError? error)
    {
        error = null;
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            error = new(415, "the protobuf body does not start with the magic number k8s\\0");
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

            if (!ProtobufSchema.Kinds.TryGetValue((apiVersion, kind), out var message) || kind == "Status" || kind.EndsWith("List", StringComparison.Ordinal))
            {
                // As the apiserver answers a media type a resource does not support (negotiation.errUnsupportedMediaType).
                error = new(415, ProtobufError.Unsupported, $"the emulator decodes protobuf for {KindsText} only (got {apiVersion} {kind})");
                return null;
            }

            var obj = Decode(raw.ToByteArray(), message);
            obj.Insert(0, "apiVersion", apiVersion);
            obj.Insert(1, "kind", kind);
            return obj;
        }
        catch (NotSupportedException e)
        {
            error = new(415, ProtobufError.Unsupported, e.Message);
            return null;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or System.Text.Json.JsonException)
        {
            error = new(400, $"invalid protobuf body: {e.Message}");
            return null;
        }
    }

    /// <summary>The answer <paramref name="answer"/> in protobuf; null when its kind has no encoding here or it does not round-trip.</summary>
    public static byte[]? TryEncode(JsonObject answer)
    {
        // As parsed JSON: values the store built in memory (an int where a long is read, ...) all read alike.
        var obj = JsonNode.Parse(answer.ToJsonString())!.AsObject();
        var apiVersion = obj["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : "";
        var kind = obj["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : "";
        if (!ProtobufSchema.Kinds.TryGetValue((apiVersion, kind), out var message))
        {
            return null;
        }

        try
        {
            var raw = Encode(obj, message);
            if (!JsonNode.DeepEquals(Normalize(obj, message), Decode(raw, message)))
            {
                return null;
            }

            byte[] typeMeta = [.. Field(1, Encoding.UTF8.GetBytes(apiVersion)), .. Field(2, Encoding.UTF8.GetBytes(kind))];
            return [.. Magic, .. Field(1, typeMeta), .. Field(2, raw)];
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or InvalidProtocolBufferException or System.Text.Json.JsonException or NotSupportedException)
        {
            // A value of another shape than the schema's (e.g. a number where a string belongs): answered in JSON.
            return null;
        }
    }

    private static byte[] Field(int number, byte[] value)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
        output.Flush();
        return stream.ToArray();
    }

    /// <summary>The message <paramref name="message"/> read from <paramref name="bytes"/> as the JSON Go's encoder would write (non-pointer zero values omitted).</summary>
    public static JsonObject Decode(byte[] bytes, ProtoMessage message)
    {
        var obj = new JsonObject();
        var input = new CodedInputStream(bytes);
        while (input.ReadTag() is var tag and not 0)
        {
            var wire = WireFormat.GetTagWireType(tag);
            if (!message.ByNumber.TryGetValue(WireFormat.GetTagFieldNumber(tag), out var field))
            {
                // Go writes every non-pointer field; a zero one the schema lacks is nothing lost, anything else would be.
                if (!SkipZero(input, wire))
                {
                    throw new NotSupportedException($"field {WireFormat.GetTagFieldNumber(tag)} of {message.Name} is not decoded by the emulator; send application/json");
                }

                continue;
            }

            var expected = field.Type is ProtoType.Bool or ProtoType.Int || (field.Type == ProtoType.Ints && wire == WireFormat.WireType.Varint)
                ? WireFormat.WireType.Varint
                : WireFormat.WireType.LengthDelimited;
            if (wire != expected)
            {
                throw new FormatException($"field {field.Number} ({field.Name}) of {message.Name} has wire type {wire}, not {expected}");
            }

            switch (field.Type)
            {
                case ProtoType.String:
                    var text = input.ReadString();
                    if (text.Length > 0 || field.Pointer)
                    {
                        obj[field.Name] = text;
                    }

                    break;
                case ProtoType.Bool:
                    var flag = input.ReadBool();
                    if (flag || field.Pointer)
                    {
                        obj[field.Name] = flag;
                    }

                    break;
                case ProtoType.Int:
                    var number = input.ReadInt64();
                    if (number != 0 || field.Pointer)
                    {
                        obj[field.Name] = number;
                    }

                    break;
                case ProtoType.Bytes:
                    obj[field.Name] = input.ReadBytes().ToBase64();
                    break;
                case ProtoType.Message:
                    obj[field.Name] = Decode(input.ReadBytes().ToByteArray(), field.Message!);
                    break;
                case ProtoType.Embedded:
                    var inner = Decode(input.ReadBytes().ToByteArray(), field.Message!);
                    foreach (var (key, value) in inner.ToList())
                    {
                        inner.Remove(key);
                        obj[key] = value;
                    }

                    break;
                case ProtoType.Messages:
                    List(obj, field.Name).Add(Decode(input.ReadBytes().ToByteArray(), field.Message!));
                    break;
                case ProtoType.Strings:
                    List(obj, field.Name).Add(input.ReadString());
                    break;
                case ProtoType.Ints when wire == WireFormat.WireType.LengthDelimited:
                    var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd)
                    {
                        List(obj, field.Name).Add(packed.ReadInt64());
                    }

                    break;
                case ProtoType.Ints:
                    List(obj, field.Name).Add(input.ReadInt64());
                    break;
                case ProtoType.StringMap or ProtoType.BytesMap or ProtoType.QuantityMap:
                    var (entryKey, entryValue) = MapEntry(input.ReadBytes().ToByteArray(), field.Type);
                    if (obj[field.Name] is not JsonObject map)
                    {
                        obj[field.Name] = map = [];
                    }

                    map[entryKey] = entryValue;
                    break;
                case ProtoType.Time:
                    if (TimeText(input.ReadBytes().ToByteArray()) is { } time)
                    {
                        obj[field.Name] = time;
                    }

                    break;
                case ProtoType.IntOrString:
                    obj[field.Name] = IntOrString(input.ReadBytes().ToByteArray());
                    break;
                case ProtoType.Quantity:
                    obj[field.Name] = QuantityText(input.ReadBytes().ToByteArray());
                    break;
                case ProtoType.RawJson:
                    var raw = SingleBytes(input.ReadBytes().ToByteArray());
                    if (raw.Length > 0)
                    {
                        obj[field.Name] = JsonNode.Parse(raw.Span);
                    }

                    break;
            }
        }

        return obj;
    }

    private static bool SkipZero(CodedInputStream input, WireFormat.WireType wire) => wire switch
    {
        WireFormat.WireType.Varint => input.ReadInt64() == 0,
        WireFormat.WireType.LengthDelimited => input.ReadBytes().Length == 0,
        WireFormat.WireType.Fixed32 => input.ReadFixed32() == 0,
        WireFormat.WireType.Fixed64 => input.ReadFixed64() == 0,
        _ => false,
    };

    private static (string Key, JsonNode? Value) MapEntry(byte[] bytes, ProtoType type)
    {
        var entry = new CodedInputStream(bytes);
        string key = "";
        JsonNode? value = type == ProtoType.BytesMap ? "" : type == ProtoType.QuantityMap ? "0" : "";
        while (entry.ReadTag() is var t and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(t))
            {
                case 1: key = entry.ReadString(); break;
                case 2:
                    value = type switch
                    {
                        ProtoType.StringMap => entry.ReadString(),
                        ProtoType.BytesMap => entry.ReadBytes().ToBase64(),
                        _ => QuantityText(entry.ReadBytes().ToByteArray()),
                    };
                    break;
                default: entry.SkipLastField(); break;
            }
        }

        return (key, value);
    }

    private static string? TimeText(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        long seconds = 0;
        var set = false;
        while (input.ReadTag() is var t and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(t))
            {
                case 1: seconds = input.ReadInt64(); set = true; break;
                case 2: input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        }

        // metav1.Time marshals the zero time as an empty message; JSON shows it as null.
        return !set || seconds == ZeroTimeSeconds ? null
            : DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    private static JsonNode IntOrString(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        long type = 0, number = 0;
        var text = "";
        while (input.ReadTag() is var t and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(t))
            {
                case 1: type = input.ReadInt64(); break;
                case 2: number = input.ReadInt32(); break;
                case 3: text = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return type == 1 ? JsonValue.Create(text)! : JsonValue.Create(number);
    }

    private static string QuantityText(byte[] bytes) => Encoding.UTF8.GetString(SingleBytes(bytes).Span);

    /// <summary>Field 1 (length-delimited) of a message of one field: Quantity's string, FieldsV1's Raw.</summary>
    private static ReadOnlyMemory<byte> SingleBytes(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var value = ByteString.Empty;
        while (input.ReadTag() is var t and not 0)
        {
            if (WireFormat.GetTagFieldNumber(t) == 1 && WireFormat.GetTagWireType(t) == WireFormat.WireType.LengthDelimited)
            {
                value = input.ReadBytes();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return value.Memory;
    }

    private static JsonArray List(JsonObject obj, string name)
    {
        if (obj[name] is not JsonArray list)
        {
            obj[name] = list = [];
        }

        return list;
    }

    /// <summary>The fields of <paramref name="obj"/> that <paramref name="message"/> has, in its numbers; a value of another shape throws.</summary>
    public static byte[] Encode(JsonObject obj, ProtoMessage message)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var field in message.Fields)
        {
            if (field.Type == ProtoType.Embedded)
            {
                var inner = new JsonObject();
                foreach (var f in field.Message!.Fields.Where(f => obj[f.Name] is not null))
                {
                    inner[f.Name] = obj[f.Name]!.DeepClone();
                }

                Bytes(output, field.Number, Encode(inner, field.Message!));
                continue;
            }

            if (obj[field.Name] is not { } value)
            {
                continue;
            }

            switch (field.Type)
            {
                case ProtoType.String:
                    output.WriteTag(field.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteString(value.GetValue<string>());
                    break;
                case ProtoType.Bool:
                    output.WriteTag(field.Number, WireFormat.WireType.Varint);
                    output.WriteBool(value.GetValue<bool>());
                    break;
                case ProtoType.Int:
                    output.WriteTag(field.Number, WireFormat.WireType.Varint);
                    output.WriteInt64(value.GetValue<long>());
                    break;
                case ProtoType.Bytes:
                    Bytes(output, field.Number, Convert.FromBase64String(value.GetValue<string>()));
                    break;
                case ProtoType.Message:
                    Bytes(output, field.Number, Encode(value.AsObject(), field.Message!));
                    break;
                case ProtoType.Messages:
                    foreach (var item in value.AsArray())
                    {
                        Bytes(output, field.Number, Encode(item!.AsObject(), field.Message!));
                    }

                    break;
                case ProtoType.Strings:
                    foreach (var item in value.AsArray())
                    {
                        output.WriteTag(field.Number, WireFormat.WireType.LengthDelimited);
                        output.WriteString(item!.GetValue<string>());
                    }

                    break;
                case ProtoType.Ints:
                    foreach (var item in value.AsArray())
                    {
                        output.WriteTag(field.Number, WireFormat.WireType.Varint);
                        output.WriteInt64(item!.GetValue<long>());
                    }

                    break;
                case ProtoType.StringMap or ProtoType.BytesMap or ProtoType.QuantityMap:
                    // Go's marshaller writes map entries sorted by key.
                    foreach (var (key, entry) in value.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        var text = entry!.GetValue<string>();
                        byte[] encoded = field.Type switch
                        {
                            ProtoType.StringMap => Encoding.UTF8.GetBytes(text),
                            ProtoType.BytesMap => Convert.FromBase64String(text),
                            _ => Field(1, Encoding.UTF8.GetBytes(text)),
                        };
                        Bytes(output, field.Number, [.. Field(1, Encoding.UTF8.GetBytes(key)), .. Field(2, encoded)]);
                    }

                    break;
                case ProtoType.Time:
                    var time = DateTimeOffset.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    using (var t = new MemoryStream())
                    {
                        var timeOutput = new CodedOutputStream(t);
                        timeOutput.WriteTag(1, WireFormat.WireType.Varint);
                        timeOutput.WriteInt64(time.ToUnixTimeSeconds());
                        timeOutput.Flush();
                        Bytes(output, field.Number, t.ToArray());
                    }

                    break;
                case ProtoType.IntOrString:
                    using (var s = new MemoryStream())
                    {
                        var intOrString = new CodedOutputStream(s);
                        var isText = value.GetValueKind() == System.Text.Json.JsonValueKind.String;
                        intOrString.WriteTag(1, WireFormat.WireType.Varint);
                        intOrString.WriteInt64(isText ? 1 : 0);
                        if (isText)
                        {
                            intOrString.WriteTag(3, WireFormat.WireType.LengthDelimited);
                            intOrString.WriteString(value.GetValue<string>());
                        }
                        else
                        {
                            intOrString.WriteTag(2, WireFormat.WireType.Varint);
                            intOrString.WriteInt32(value.GetValue<int>());
                        }

                        intOrString.Flush();
                        Bytes(output, field.Number, s.ToArray());
                    }

                    break;
                case ProtoType.Quantity:
                    Bytes(output, field.Number, Field(1, Encoding.UTF8.GetBytes(value.GetValue<string>())));
                    break;
                case ProtoType.RawJson:
                    Bytes(output, field.Number, Field(1, Encoding.UTF8.GetBytes(value.AsObject().ToJsonString())));
                    break;
            }
        }

        output.Flush();
        return stream.ToArray();
    }

    private static void Bytes(CodedOutputStream output, int number, byte[] value)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    /// <summary>
    /// <paramref name="obj"/> as a Go client sees it: without apiVersion and kind (the envelope's), nulls, empty lists
    /// and maps, and zero values of non-pointer fields, as decoding would give them (so a round trip compares equal).
    /// </summary>
    private static JsonObject Normalize(JsonObject obj, ProtoMessage message)
    {
        var result = new JsonObject();
        var embedded = message.Fields.Where(f => f.Type == ProtoType.Embedded).SelectMany(f => f.Message!.Fields).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var fields = message.Fields.Where(f => f.Type != ProtoType.Embedded).ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (value is null || (name is "apiVersion" or "kind" && !fields.ContainsKey(name) && !embedded.ContainsKey(name)))
            {
                continue;
            }

            if (!fields.TryGetValue(name, out var field) && !embedded.TryGetValue(name, out field))
            {
                // Not in the schema: kept, so the comparison sees it missing from the round trip.
                result[name] = value.DeepClone();
                continue;
            }

            var normalized = Normalize(value, field);
            if (normalized is not null)
            {
                result[name] = normalized;
            }
        }

        return result;
    }

    private static JsonNode? Normalize(JsonNode value, ProtoField field)
    {
        switch (field.Type)
        {
            case ProtoType.String when !field.Pointer && value.GetValueKind() == System.Text.Json.JsonValueKind.String && value.GetValue<string>().Length == 0:
            case ProtoType.Bool when !field.Pointer && value.GetValueKind() == System.Text.Json.JsonValueKind.False:
            case ProtoType.Int when !field.Pointer && value.GetValueKind() == System.Text.Json.JsonValueKind.Number && value.GetValue<double>() == 0:
            case ProtoType.Messages or ProtoType.Strings or ProtoType.Ints when value is JsonArray { Count: 0 }:
            case ProtoType.StringMap or ProtoType.BytesMap or ProtoType.QuantityMap when value is JsonObject { Count: 0 }:
                return null;
            case ProtoType.Message when value is JsonObject o:
                return Normalize(o, field.Message!);
            case ProtoType.Messages when value is JsonArray items:
                return new JsonArray([.. items.Select(i => i is JsonObject io ? Normalize(io, field.Message!) : i?.DeepClone())]);
            default:
                return value.DeepClone();
        }
    }
}
