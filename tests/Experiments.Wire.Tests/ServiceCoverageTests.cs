using System.Reflection;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Experiments.Wire.Tests;

/// <summary>
/// grpc-dotnet maps every method of a generated base class, and one a service forgets to override answers
/// UNIMPLEMENTED at run time. Every proto method of every service we serve must have an override.
/// </summary>
public sealed class ServiceCoverageTests
{
    public static TheoryData<string> ServiceAssemblies => ["Experiments.Assignment", "Experiments.Ingestion", "Experiments.Statistics"];

    [Theory]
    [MemberData(nameof(ServiceAssemblies))]
    public void Every_proto_method_of_every_served_service_is_overridden(string assemblyName)
    {
        var implementations = Assembly.Load(assemblyName).GetTypes()
            .Where(t => !t.IsAbstract && t.BaseType?.GetCustomAttribute<BindServiceMethodAttribute>() is not null)
            .ToList();
        Assert.NotEmpty(implementations);
        var missing = new List<string>();
        foreach (var implementation in implementations)
        {
            var generatedBase = implementation.BaseType!;
            var descriptor = (ServiceDescriptor)generatedBase.DeclaringType!.GetProperty("Descriptor")!.GetValue(null)!;
            foreach (var method in descriptor.Methods)
            {
                var handler = implementation.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance);
                if (handler is null || handler.DeclaringType == generatedBase)
                {
                    missing.Add($"{descriptor.FullName}/{method.Name} in {implementation.Name}");
                }
            }
        }
        Assert.Empty(missing);
    }
}
