using Experiments.Grpc.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Experiments.Grpc.Reflection;

/// <summary>
/// What server reflection answers from: the mapped services, the proto files that define them and every
/// symbol in those files and their imports. Built lazily, after all services are mapped.
/// </summary>
internal sealed class ReflectionIndex(GrpcServiceRegistry registry)
{
    private Snapshot? _snapshot;

    public IReadOnlyList<string> ServiceNames => Current.ServiceNames;

    /// <summary>The named file and its transitive imports, serialized; null when unknown.</summary>
    public IReadOnlyList<ByteString>? FileByName(string fileName) =>
        Current.Files.TryGetValue(fileName, out var file) ? WithDependencies(file) : null;

    /// <summary>The file that defines a fully-qualified symbol, and its imports; null when unknown.</summary>
    public IReadOnlyList<ByteString>? FileContainingSymbol(string symbol) =>
        Current.Symbols.TryGetValue(symbol.TrimStart('.'), out var file) ? WithDependencies(file) : null;

    public bool IsMessageType(string name) => Current.MessageTypes.Contains(name.TrimStart('.'));

    private Snapshot Current
    {
        get
        {
            var services = registry.Services;
            var snapshot = _snapshot;
            if (snapshot is null || snapshot.ServiceCount != services.Count)
            {
                snapshot = Build(services);
                _snapshot = snapshot;
            }
            return snapshot;
        }
    }

    private static List<ByteString> WithDependencies(FileDescriptor file)
    {
        var ordered = new List<ByteString>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(FileDescriptor f)
        {
            if (!seen.Add(f.Name))
            {
                return;
            }
            ordered.Add(f.SerializedData);
            foreach (var dependency in f.Dependencies)
            {
                Visit(dependency);
            }
        }
        Visit(file);
        return ordered;
    }

    private static Snapshot Build(IReadOnlyList<ServiceDescriptor> services)
    {
        var files = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        var symbols = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        var messages = new HashSet<string>(StringComparer.Ordinal);
        void AddFile(FileDescriptor file)
        {
            if (!files.TryAdd(file.Name, file))
            {
                return;
            }
            foreach (var service in file.Services)
            {
                symbols[service.FullName] = file;
                foreach (var method in service.Methods)
                {
                    symbols[method.FullName] = file;
                }
            }
            foreach (var message in file.MessageTypes)
            {
                AddMessage(message, file);
            }
            foreach (var enumType in file.EnumTypes)
            {
                symbols[enumType.FullName] = file;
            }
            foreach (var dependency in file.Dependencies)
            {
                AddFile(dependency);
            }
        }
        void AddMessage(MessageDescriptor message, FileDescriptor file)
        {
            symbols[message.FullName] = file;
            messages.Add(message.FullName);
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                symbols[field.FullName] = file;
            }
            foreach (var nested in message.NestedTypes)
            {
                AddMessage(nested, file);
            }
            foreach (var enumType in message.EnumTypes)
            {
                symbols[enumType.FullName] = file;
            }
        }
        foreach (var service in services)
        {
            AddFile(service.File);
        }
        var names = services.Select(s => s.FullName).Order(StringComparer.Ordinal).ToArray();
        return new Snapshot(services.Count, names, files, symbols, messages);
    }

    private sealed record Snapshot(
        int ServiceCount,
        IReadOnlyList<string> ServiceNames,
        Dictionary<string, FileDescriptor> Files,
        Dictionary<string, FileDescriptor> Symbols,
        HashSet<string> MessageTypes);
}
