using BenchmarkDotNet.Attributes;
using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Assignment;

/// <summary>
/// One evaluation of one flag for one unit, in process: the precompiled evaluator against Microsoft.FeatureManagement's
/// IVariantFeatureManager.GetVariantAsync over the same definitions, in the same run. "Simple" is a 50/50
/// experiment at 100% rollout; "Full" adds targeting (attribute rule, excluded group), a holdout and a layer
/// segment at 60% rollout. Units rotate over 4,096 distinct user ids.
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private const int UnitCount = 4096;
    private DefinitionSet _set = null!;
    private CompiledExperiment _simple = null!;
    private CompiledExperiment _full = null!;
    private FeatureManager _featureManager = null!;
    private UnitContext[] _units = null!;
    private UnitTargetingContext[] _simpleTargets = null!;
    private UnitTargetingContext[] _fullTargets = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var simple = Experiment("simple");
        var full = Experiment("full") with
        {
            Targeting = new TargetingRules
            {
                AttributeRules = [new AttributeCondition("region", ConditionOperator.In, ["eu-west", "eu-north"])],
                ExcludedGroups = ["staff"],
            },
            Holdout = new HoldoutSpec("global", 5),
            Layer = new LayerSlot("checkout", 60, 20),
            RolloutPercent = 60,
        };
        _set = new DefinitionSet(1, [simple, full]);
        _simple = _set.Find("simple")!;
        _full = _set.Find("full")!;
        _featureManager = new FeatureManager(new ExperimentFeatureDefinitionProvider(() => _set), new FeatureManagementOptions())
        {
            FeatureFilters = [new EnrollmentFilter()],
        };
        _units = Enumerable.Range(0, UnitCount).Select(i => new UnitContext
        {
            UserId = "user-" + (1_000_000 + i),
            Groups = ["customers"],
            Attributes = new Dictionary<string, string> { ["region"] = i % 4 == 0 ? "us-east" : "eu-west" },
        }).ToArray();
        _simpleTargets = _units.Select(u => new UnitTargetingContext(u, UnitKind.User)).ToArray();
        _fullTargets = _simpleTargets;
    }

    [Benchmark(Baseline = true, Description = "IVariantFeatureManager.GetVariantAsync, simple")]
    public async ValueTask<string?> FeatureManagerSimple() => (await _featureManager.GetVariantAsync("simple", _simpleTargets[Next()], CancellationToken.None))?.Name;

    [Benchmark(Description = "IVariantFeatureManager.GetVariantAsync, full")]
    public async ValueTask<string?> FeatureManagerFull() => (await _featureManager.GetVariantAsync("full", _fullTargets[Next()], CancellationToken.None))?.Name;

    [Benchmark(Description = "Precompiled, simple")]
    public int PrecompiledSimple() => _simple.Evaluate(_units[Next()]).VariantIndex;

    [Benchmark(Description = "Precompiled, full")]
    public int PrecompiledFull() => _full.Evaluate(_units[Next()]).VariantIndex;

    [Benchmark(Description = "Precompiled by flag key (lookup + evaluate), simple")]
    public int PrecompiledByFlag() => _set.Evaluate("simple", _units[Next()]).VariantIndex;

    private int Next() => _next = (_next + 1) & (UnitCount - 1);

    private static ExperimentDefinition Experiment(string flag) => new()
    {
        Id = "exp-" + flag,
        FlagKey = flag,
        Variants = [new ExperimentVariant("control", "", 50, true, ""), new ExperimentVariant("treatment", "", 50, false, "")],
        Unit = UnitKind.User,
        RolloutPercent = 100,
        Kpis = [new KpiDefinition { Key = "p99", Kind = MetricKind.LatencyP99, Role = MetricRole.Primary }],
        MinimumDetectableEffect = 0.02,
        State = ExperimentState.Running,
        Revision = 2,
        Seed = "0f3c2a9b7d6e4f1a8b2c3d4e5f6a7b8c",
    };
}
