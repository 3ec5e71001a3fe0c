using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Redacts configured field paths in protobuf messages, through their descriptors: a path's segments are field names
/// (or JSON names) from the message's root; repeated message fields are crossed into each element. A set string field
/// becomes <see cref="Redactor.Redacted"/> (each element of a repeated one); any other set field is cleared. The caller's
/// message is never changed: a message with a path that applies to its type is redacted on a copy.
/// </summary>
internal sealed class ProtobufRedaction(FieldPath[] paths)
{
    private readonly ConcurrentDictionary<MessageDescriptor, Resolved[]> _byType = new();

    /// <summary>
    /// <paramref name="message"/>, or a redacted copy of it when a path applies; the path of each field redacted is added to
    /// <paramref name="redactions"/> as <paramref name="direction"/><c>:path</c>.
    /// </summary>
    public IMessage Redact(IMessage message, string direction, ISet<string> redactions)
    {
        if (paths.Length == 0)
        {
            return message;
        }
        var resolved = _byType.GetOrAdd(message.Descriptor, Resolve);
        if (resolved.Length == 0)
        {
            return message;
        }
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        foreach (var path in resolved)
        {
            if (Apply(copy, path.Fields, 0))
            {
                redactions.Add(direction + ":" + path.Name);
            }
        }
        return copy;
    }

    private Resolved[] Resolve(MessageDescriptor descriptor)
    {
        var resolved = new List<Resolved>();
        foreach (var path in paths)
        {
            var fields = new FieldDescriptor[path.Segments.Length];
            var type = descriptor;
            for (var i = 0; i < fields.Length && type is not null; i++)
            {
                var field = type.FindFieldByName(path.Segments[i]) ?? type.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == path.Segments[i]);
                if (field is null || (i < fields.Length - 1 && (field.FieldType != FieldType.Message || field.IsMap)))
                {
                    type = null;
                    break;
                }
                fields[i] = field;
                type = field.FieldType == FieldType.Message ? field.MessageType : null;
            }
            if (fields[^1] is not null)
            {
                resolved.Add(new Resolved(path.Dotted, fields));
            }
        }
        return [.. resolved];
    }

    private static bool Apply(IMessage message, FieldDescriptor[] fields, int depth)
    {
        var field = fields[depth];
        var accessor = field.Accessor;
        if (depth == fields.Length - 1)
        {
            return RedactLeaf(message, field);
        }
        if (field.IsRepeated)
        {
            var any = false;
            foreach (IMessage item in (IList)accessor.GetValue(message))
            {
                any |= Apply(item, fields, depth + 1);
            }
            return any;
        }
        return accessor.GetValue(message) is IMessage child && Apply(child, fields, depth + 1);
    }

    private static bool RedactLeaf(IMessage message, FieldDescriptor field)
    {
        var accessor = field.Accessor;
        if (field.IsMap)
        {
            var map = (IDictionary)accessor.GetValue(message);
            if (map.Count == 0)
            {
                return false;
            }
            map.Clear();
            return true;
        }
        if (field.IsRepeated)
        {
            var list = (IList)accessor.GetValue(message);
            if (list.Count == 0)
            {
                return false;
            }
            if (field.FieldType == FieldType.String)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    list[i] = Redactor.Redacted;
                }
            }
            else
            {
                list.Clear();
            }
            return true;
        }
        if (!IsSet(message, field))
        {
            return false;
        }
        if (field.FieldType == FieldType.String)
        {
            accessor.SetValue(message, Redactor.Redacted);
        }
        else
        {
            accessor.Clear(message);
        }
        return true;
    }

    private static bool IsSet(IMessage message, FieldDescriptor field)
    {
        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }
        return field.Accessor.GetValue(message) switch
        {
            null => false,
            string text => text.Length > 0,
            ByteString bytes => !bytes.IsEmpty,
            bool flag => flag,
            IMessage => true,
            float number => number != 0,
            double number => number != 0,
            ulong number => number != 0,
            var number => Convert.ToInt64(number, System.Globalization.CultureInfo.InvariantCulture) != 0,
        };
    }

    private sealed record Resolved(string Name, FieldDescriptor[] Fields);
}
