using Experiments.Contracts.V1;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Tests.Support;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Statistics.Tests.Unit;

/// <summary>
/// Where the analysis of an experiment ends: every unit is served one variant once it is stopped (the final variant)
/// or, while running, once it is ramped to 0% (the default variant; what an automatic rollback does).
/// </summary>
public sealed class DefinitionMappingTests
{
    private static readonly DateTimeOffset Updated = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Stopped = new(2026, 3, 2, 8, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_running_experiment_with_units_in_it_has_no_analysis_end()
    {
        var experiment = Running(rollout: 50);
        Assert.Null(DefinitionMapping.ToDefinition(experiment).StopTime);
    }

    [Fact]
    public void A_running_experiment_ramped_to_zero_ends_its_analysis_at_that_revision()
    {
        var experiment = Running(rollout: 0);
        Assert.Equal(Updated, DefinitionMapping.ToDefinition(experiment).StopTime);
    }

    [Fact]
    public void A_stopped_experiment_ends_its_analysis_at_its_stop_time()
    {
        var experiment = Running(rollout: 0);
        experiment.Status = ExperimentStatus.Stopped;
        experiment.StopTime = Timestamp.FromDateTimeOffset(Stopped);
        Assert.Equal(Stopped, DefinitionMapping.ToDefinition(experiment).StopTime);
    }

    private static Experiment Running(double rollout)
    {
        var experiment = TestExperiments.Latency(autoRollback: true);
        experiment.Status = ExperimentStatus.Running;
        experiment.RolloutPercent = rollout;
        experiment.UpdateTime = Timestamp.FromDateTimeOffset(Updated);
        return experiment;
    }
}
