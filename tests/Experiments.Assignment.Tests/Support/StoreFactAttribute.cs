using Xunit.Abstractions;
using Xunit.Sdk;

namespace Experiments.Assignment.Tests.Support;

/// <summary>
/// A fact of the store contract. In a test class marked <see cref="RequiresDaprdAttribute"/> it reports itself
/// skipped (not passed) when <c>daprd</c> is not on PATH; xunit 2 has no run-time skip, so the decision is made at
/// discovery.
/// </summary>
[XunitTestCaseDiscoverer("Experiments.Assignment.Tests.Support.StoreFactDiscoverer", "Experiments.Assignment.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Marks a test class whose store facts need a real daprd.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresDaprdAttribute : Attribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsDaprd = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresDaprdAttribute)).Any();
        yield return needsDaprd
            ? new DaprdTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)
            : new XunitTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class DaprdTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public DaprdTestCase()
    {
    }

    public DaprdTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay methodDisplay, TestMethodDisplayOptions methodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, methodDisplay, methodDisplayOptions, testMethod)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) =>
        Daprd.IsInstalled ? base.GetSkipReason(factAttribute) : "daprd is not on PATH; install the Dapr runtime to run the real-sidecar store tests";
}
