using System.Text.Json.Serialization;
using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Storage;

/// <summary>
/// The stored form of definitions and audit records: JSON of the domain types with enum names, so a stored row
/// stays readable and independent of the protobuf contracts.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ExperimentDefinition))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(StoredRevision))]
[JsonSerializable(typeof(DaprCatalog))]
internal sealed partial class StorageJson : JsonSerializerContext;

/// <summary>One revision and the audit record of the change that produced it, stored together.</summary>
internal sealed record StoredRevision(long Version, ExperimentDefinition Definition, AuditRecord Audit);
