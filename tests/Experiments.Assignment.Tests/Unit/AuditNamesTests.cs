using Experiments.Assignment.Definitions;
using Google.Protobuf.Reflection;
using Proto = Experiments.Contracts.V1;

namespace Experiments.Assignment.Tests.Unit;

/// <summary>
/// The audit trail writes enum values as the protos name them: every domain value's name must be the proto enum
/// value with the same number, as the generated descriptors (from protos/, not from our code) declare it.
/// </summary>
public sealed class AuditNamesTests
{
    [Fact]
    public void Every_enum_value_in_the_audit_trail_is_its_proto_name()
    {
        Check<MetricKind>(Enum(Proto.KpiReflection.Descriptor, "KpiKind"), ProtoNames.Of);
        Check<MetricRole>(Enum(Proto.KpiReflection.Descriptor, "KpiRole"), ProtoNames.Of);
        Check<ImprovementDirection>(Enum(Proto.KpiReflection.Descriptor, "DesiredDirection"), ProtoNames.Of);
        Check<UnitKind>(Enum(Proto.ExperimentReflection.Descriptor, "RandomizationUnit"), ProtoNames.Of);
        Check<PValueCorrection>(Enum(Proto.ExperimentReflection.Descriptor, "MultipleTestingCorrection"), ProtoNames.Of);
        Check<ConditionOperator>(Enum(Proto.TargetingReflection.Descriptor, "AttributeOperator"), ProtoNames.Of);
    }

    // The units an experiment file takes (services/Experiments.Cli/Definitions/YamlToJson.cs): one number, one unit.
    [Theory]
    [InlineData(14, 0, 0, 0, "14d")]
    [InlineData(1, 12, 0, 0, "36h")]
    [InlineData(0, 0, 90, 0, "90m")]
    [InlineData(0, 0, 0, 45, "45s")]
    [InlineData(0, 0, 0, 0, "0d")]
    public void Durations_are_written_as_experiment_files_write_them(int days, int hours, int minutes, int seconds, string expected) =>
        Assert.Equal(expected, ProtoNames.Duration(new TimeSpan(days, hours, minutes, seconds)));

    private static EnumDescriptor Enum(FileDescriptor file, string name) => file.FindTypeByName<EnumDescriptor>(name);

    private static void Check<T>(EnumDescriptor proto, Func<T, string> name)
        where T : struct, Enum
    {
        foreach (var value in System.Enum.GetValues<T>())
        {
            Assert.Equal(proto.FindValueByNumber(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)).Name, name(value));
        }
    }
}
